#include "fashion_mnist.hpp"

#include "devices.hpp"

#include <zlib.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace lenet {

namespace {

// IDX magic numbers: two zero bytes, the element type (0x08: unsigned
// byte) and the number of dimensions.
constexpr std::uint32_t idx_images_magic = 0x00000803;
constexpr std::uint32_t idx_labels_magic = 0x00000801;

struct gz_closer {
  void operator()(gzFile file) const noexcept { gzclose(file); }
};

// A gzip or plain file read through zlib (gzread passes plain files through).
class idx_reader {
 public:
  explicit idx_reader(const std::filesystem::path& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) fail("cannot open it");
  }

  std::uint32_t read_big_endian_u32(std::string_view what) {
    std::array<unsigned char, 4> bytes{};
    read_exactly(bytes.data(), bytes.size(), what);
    return std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 | std::uint32_t{bytes[2]} << 8 | bytes[3];
  }

  void read_exactly(void* destination, std::size_t size, std::string_view what) {
    auto* out = static_cast<unsigned char*>(destination);
    std::size_t done = 0;
    while (done < size) {
      // gzread takes an unsigned count: read in chunks below INT_MAX.
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, INT_MAX / 2));
      const int got = gzread(file_.get(), out + done, chunk);
      if (got < 0) fail("corrupt data in " + std::string(what) + ": " + zlib_error());
      if (got == 0) {
        const std::string why = zlib_error();
        fail("truncated: " + std::string(what) + " should be " + std::to_string(size) + " bytes, the file ends after " +
             std::to_string(done) + (why.empty() ? "" : " (" + why + ")"));
      }
      done += static_cast<std::size_t>(got);
    }
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("Fashion-MNIST file " + path_.string() + ": " + why);
  }

 private:
  // zlib's account of the stream's last error; empty when there is none.
  std::string zlib_error() const {
    int code = Z_OK;
    const char* message = gzerror(file_.get(), &code);
    if (code == Z_OK) return {};
    if (code == Z_ERRNO) return std::strerror(errno);
    // zlib puts the path first; fail() names the file already.
    const std::string text = message;
    const std::string prefix = path_.string() + ": ";
    return text.starts_with(prefix) ? text.substr(prefix.size()) : text;
  }

  std::filesystem::path path_;
  std::unique_ptr<gzFile_s, gz_closer> file_;
};

// Reads the header and returns the number of items; checks the magic number
// and that the items have the shape `item_dims`.
std::int64_t read_header(idx_reader& reader, std::uint32_t magic, std::string_view kind,
                         const std::vector<std::uint32_t>& item_dims, std::int64_t wanted) {
  const std::uint32_t found_magic = reader.read_big_endian_u32("the IDX header");
  if (found_magic != magic) {
    reader.fail("not an IDX " + std::string(kind) + " file (magic number " + std::to_string(found_magic) +
                ", expected " + std::to_string(magic) + ")");
  }
  const std::int64_t count = reader.read_big_endian_u32("the IDX header");
  for (std::size_t i = 0; i < item_dims.size(); ++i) {
    const std::uint32_t dim = reader.read_big_endian_u32("the IDX header");
    if (dim != item_dims[i]) {
      reader.fail("dimension " + std::to_string(i + 2) + " is " + std::to_string(dim) + ", expected " +
                  std::to_string(item_dims[i]));
    }
  }
  if (wanted < 0 || wanted > count) {
    reader.fail("asked for " + std::to_string(wanted) + " " + std::string(kind) + ", the file holds " +
                std::to_string(count));
  }
  return count;
}

std::filesystem::path find_data_file(const std::filesystem::path& directory, std::string_view name) {
  for (const auto& candidate : {directory / (std::string(name) + ".gz"), directory / std::string(name)}) {
    if (std::filesystem::is_regular_file(candidate)) return candidate;
  }
  throw std::runtime_error("Fashion-MNIST: " + (directory / name).string() +
                           "[.gz] not found: install Debian's dataset-fashion-mnist package "
                           "(apt-get install dataset-fashion-mnist) or point --data-dir at the IDX files");
}

}  // namespace

labelled_images labelled_images::to(const torch::Device& device) const {
  return {images.to(device), labels.to(device)};
}

torch::Tensor read_idx_images(const std::filesystem::path& file, std::int64_t count) {
  idx_reader reader(file);
  const auto side = static_cast<std::uint32_t>(image_side);
  read_header(reader, idx_images_magic, "images", {side, side}, count);
  auto pixels = torch::empty({count, 1, image_side, image_side}, torch::kUInt8);
  reader.read_exactly(pixels.data_ptr<std::uint8_t>(), static_cast<std::size_t>(pixels.numel()), "the pixels");
  return pixels.to(torch::kFloat32).div_(255.0);
}

torch::Tensor read_idx_labels(const std::filesystem::path& file, std::int64_t count) {
  idx_reader reader(file);
  read_header(reader, idx_labels_magic, "labels", {}, count);
  auto labels = torch::empty({count}, torch::kUInt8);
  reader.read_exactly(labels.data_ptr<std::uint8_t>(), static_cast<std::size_t>(count), "the labels");
  if (count > 0) {
    const auto largest = labels.max().item<std::int64_t>();
    if (largest >= num_classes) {
      reader.fail("label " + std::to_string(largest) + " is not a class (0.." + std::to_string(num_classes - 1) + ")");
    }
  }
  return labels.to(torch::kInt64);
}

fashion_mnist load_fashion_mnist(const std::filesystem::path& directory, std::int64_t train_size,
                                 std::int64_t validation_size) {
  if (!std::filesystem::is_directory(directory)) {
    throw std::runtime_error("Fashion-MNIST: data directory " + directory.string() +
                             " does not exist: install Debian's dataset-fashion-mnist package "
                             "(apt-get install dataset-fashion-mnist) or point --data-dir at the IDX files");
  }
  auto split = [&](std::string_view prefix, std::int64_t size) {
    return labelled_images{
        read_idx_images(find_data_file(directory, std::string(prefix) + "-images-idx3-ubyte"), size),
        read_idx_labels(find_data_file(directory, std::string(prefix) + "-labels-idx1-ubyte"), size)};
  };
  return {split("train", train_size), split("t10k", validation_size)};
}

std::vector<std::shared_ptr<const device_data>> copy_to_devices(const fashion_mnist& data,
                                                                const std::vector<torch::Device>& devices) {
  std::vector<std::shared_ptr<const device_data>> copies;
  for (const auto& device : devices) {
    copies.push_back(std::make_shared<const device_data>(
        device_data{device, fashion_mnist{data.train.to(device), data.validation.to(device)}}));
    // Trials read the copy from streams of their own: it must be complete first.
    synchronize(device);
  }
  return copies;
}

}  // namespace lenet
