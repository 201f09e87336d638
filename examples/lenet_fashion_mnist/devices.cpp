#include "devices.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>

#if RUNG_LENET_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace lenet {

namespace {

[[noreturn]] void bad_device(std::string_view flag, const std::string& why) {
  throw std::invalid_argument("--device " + std::string(flag) + ": " + why);
}

std::string cuda_unavailable_reason() {
#if RUNG_LENET_CUDA
  return "CUDA requested but not available: this LibTorch has CUDA support, but no CUDA device was found "
         "(check the driver and CUDA_VISIBLE_DEVICES)";
#else
  return "CUDA requested but not available: this build uses a CPU-only LibTorch (point CMake at a CUDA "
         "build of LibTorch, see the README), so use --device cpu";
#endif
}

std::vector<torch::Device> all_gpus() {
  std::vector<torch::Device> gpus;
  const auto count = static_cast<int>(torch::cuda::device_count());
  for (int index = 0; index < count; ++index) {
    gpus.emplace_back(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
  }
  return gpus;
}

std::optional<int> parse_index(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::vector<torch::Device> select_devices(std::string_view flag) {
  if (flag == "cpu") return {torch::Device(torch::kCPU)};
  if (flag == "auto") {
    auto gpus = torch::cuda::is_available() ? all_gpus() : std::vector<torch::Device>{};
    return gpus.empty() ? std::vector<torch::Device>{torch::Device(torch::kCPU)} : gpus;
  }
  constexpr std::string_view cuda_prefix = "cuda:";
  if (flag != "cuda" && !flag.starts_with(cuda_prefix)) bad_device(flag, "expected cpu, cuda, cuda:N or auto");
  std::optional<int> index;
  if (flag != "cuda") {
    index = parse_index(flag.substr(cuda_prefix.size()));
    if (!index) bad_device(flag, "expected cuda:N with N a GPU index such as 0");
  }
  if (!torch::cuda::is_available()) bad_device(flag, cuda_unavailable_reason());
  auto gpus = all_gpus();
  if (!index) return gpus;
  if (static_cast<std::size_t>(*index) >= gpus.size()) {
    bad_device(flag, "no such device: this machine has " + std::to_string(gpus.size()) + " CUDA device(s), cuda:0 to cuda:" +
                         std::to_string(gpus.size() - 1));
  }
  return {gpus[static_cast<std::size_t>(*index)]};
}

torch::Generator make_generator(const torch::Device& device, std::uint64_t seed) {
#if RUNG_LENET_CUDA
  if (device.is_cuda()) {
    auto generator = at::cuda::detail::createCUDAGenerator(device.index());
    generator.set_current_seed(seed);
    return generator;
  }
#endif
  if (!device.is_cpu()) throw std::invalid_argument("no random generator for device " + device.str());
  return at::detail::createCPUGenerator(seed);
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

#if RUNG_LENET_CUDA
struct trial_stream::guard {
  // A stream from LibTorch's pool (round robin over 32 per GPU): the trial's
  // kernels queue there, independent of other trials' streams.
  explicit guard(const torch::Device& device) : stream(c10::cuda::getStreamFromPool(false, device.index())) {}
  c10::cuda::CUDAStreamGuard stream;
};
#else
struct trial_stream::guard {
  explicit guard(const torch::Device& /*device*/) {}  // never made: no CUDA device exists here
};
#endif

trial_stream::trial_stream(const torch::Device& device) {
  if (device.is_cuda()) guard_ = std::make_unique<guard>(device);
}

trial_stream::~trial_stream() = default;

}  // namespace lenet
