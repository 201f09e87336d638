// Where trials train: device selection, per-device random generators and a
// CUDA stream of its own for each trial. Everything CUDA-specific is in
// devices.cpp, compiled in only when LibTorch was built with CUDA
// (RUNG_LENET_CUDA); a CPU-only LibTorch gets clear errors instead.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <torch/types.h>

namespace lenet {

// --device: "cpu"; "cuda" (every GPU: trials rotate over them); "cuda:N"
// (that GPU); "auto" (every GPU when CUDA is available, else the CPU).
// Unknown names, GPUs that do not exist and CUDA where there is none give
// std::invalid_argument naming the flag and value.
std::vector<torch::Device> select_devices(std::string_view flag);

// A random generator on `device`, seeded.
torch::Generator make_generator(const torch::Device& device, std::uint64_t seed);

// Waits for the work queued on `device` (no-op on the CPU).
void synchronize(const torch::Device& device);

// While it lives, the calling thread queues its work for `device` on a CUDA
// stream of its own, so concurrent trials overlap on one GPU instead of
// serialising on the default stream. Does nothing on the CPU.
class trial_stream {
 public:
  explicit trial_stream(const torch::Device& device);
  ~trial_stream();
  trial_stream(const trial_stream&) = delete;
  trial_stream& operator=(const trial_stream&) = delete;

 private:
  struct guard;
  std::unique_ptr<guard> guard_;
};

}  // namespace lenet
