// The MPI test harness itself (tests/mpi/main.cpp, started by ctest under
// mpiexec -n 4): every rank is up once under rung::mpi_session, and a
// message goes from rank 0 to each other rank and back unchanged, bit for
// bit, as configurations must cross the wire.
#include <doctest/doctest.h>
#include <mpi.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "mpi_world.hpp"

namespace {

using rung::bench::world_rank;
using rung::bench::world_size;

std::vector<std::uint64_t> bits_of(const std::vector<double>& values) {
  std::vector<std::uint64_t> bits;
  for (const double value : values) bits.push_back(std::bit_cast<std::uint64_t>(value));
  return bits;
}

// Values a text format would round or lose: the shortest decimal of 0.1 is
// not 0.1, -0 prints as 0, a subnormal and a NaN's payload have no decimal.
std::vector<double> awkward_doubles(int rank) {
  return {0.1,
          -0.0,
          std::numeric_limits<double>::denorm_min(),
          std::bit_cast<double>(std::uint64_t{0x7ff8'0000'dead'beef}),
          std::numeric_limits<double>::infinity(),
          std::nextafter(1.0, 2.0) * rank};
}

// Bytes a C string or a JSON reader would cut or change: a NUL inside,
// a quote, UTF-8.
std::string awkward_text(int rank) { return std::string("sgd\0\"adam\"\xc3\xa9 rank ", 17) + std::to_string(rank); }

constexpr int doubles_tag = 1;
constexpr int text_tag = 2;

}  // namespace

TEST_CASE("the session is up on every rank, each rank numbered once") {
  int initialized = 0;
  int finalized = 1;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  CHECK(initialized == 1);
  CHECK(finalized == 0);

  const int size = world_size();
  REQUIRE(size >= 2);  // mpiexec -n 4: rank 0 and worker ranks
  const int rank = world_rank();
  std::vector<int> ranks(static_cast<std::size_t>(size), -1);
  MPI_Allgather(&rank, 1, MPI_INT, ranks.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> expected(static_cast<std::size_t>(size));
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(ranks == expected);
}

TEST_CASE("a message goes from rank 0 to each other rank and back bit-exact") {
  const int rank = world_rank();
  const int size = world_size();
  if (rank == 0) {
    for (int peer = 1; peer < size; ++peer) {
      CAPTURE(peer);
      const auto doubles = awkward_doubles(peer);
      const auto text = awkward_text(peer);
      MPI_Send(doubles.data(), static_cast<int>(doubles.size()), MPI_DOUBLE, peer, doubles_tag, MPI_COMM_WORLD);
      MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, peer, text_tag, MPI_COMM_WORLD);

      std::vector<double> doubles_back(doubles.size());
      MPI_Recv(doubles_back.data(), static_cast<int>(doubles_back.size()), MPI_DOUBLE, peer, doubles_tag,
               MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Status status;
      MPI_Probe(peer, text_tag, MPI_COMM_WORLD, &status);
      int length = 0;
      MPI_Get_count(&status, MPI_CHAR, &length);
      std::string text_back(static_cast<std::size_t>(length), '?');
      MPI_Recv(text_back.data(), length, MPI_CHAR, peer, text_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      CHECK(bits_of(doubles_back) == bits_of(doubles));
      CHECK(text_back == text);
    }
  } else {
    // Echo what came, sized by what arrived rather than by what is expected.
    MPI_Status status;
    MPI_Probe(0, doubles_tag, MPI_COMM_WORLD, &status);
    int count = 0;
    MPI_Get_count(&status, MPI_DOUBLE, &count);
    std::vector<double> doubles(static_cast<std::size_t>(count));
    MPI_Recv(doubles.data(), count, MPI_DOUBLE, 0, doubles_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Probe(0, text_tag, MPI_COMM_WORLD, &status);
    MPI_Get_count(&status, MPI_CHAR, &count);
    std::string text(static_cast<std::size_t>(count), '?');
    MPI_Recv(text.data(), count, MPI_CHAR, 0, text_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(bits_of(doubles) == bits_of(awkward_doubles(rank)));  // arrived intact here too
    MPI_Send(doubles.data(), static_cast<int>(doubles.size()), MPI_DOUBLE, 0, doubles_tag, MPI_COMM_WORLD);
    MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, text_tag, MPI_COMM_WORLD);
  }
}
