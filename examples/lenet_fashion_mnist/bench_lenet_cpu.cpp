// Epoch throughput of the LeNet trial on the CPU, next to the bound the
// machine sets. JSON lines, one per measurement:
//   {"benchmark":"lenet_cpu","what":"flop_per_image","forward":833040,"training":2263920}
//   {"benchmark":"lenet_cpu","what":"gemm","blas":"openblas-serial","m":128,"k":400,"n":120,"threads":1,
//    "gflop_per_s":84.06}
//   {"benchmark":"lenet_cpu","what":"training","impl":"rung-libtorch","blas":"openblas-serial","trials":2,
//    "threads":2,"batch_size":128,"images":5000,"repeats":2,"images_per_s":13331,"images_per_s_min":12443,
//    "images_per_s_max":13331,"gflop_per_s":30.18,"bound_images_per_s":100819,"validation_images_per_s":27508}
// Training lines time lenet_training::train_epoch, the trial's own code, on
// one epoch of --train-size images per repeat; with 2 trials two trainings
// run at once, one thread each, and images_per_s counts both; "impl":
// "rung-libtorch-packed" lines train as many trials as one packed_lenet on
// one thread. The figures are
// the median and the extremes over the repeats. "blas" is the libblas.so.3
// that LibTorch loaded, named by its directory under /usr/lib/<triplet>/
// (Debian's alternatives: "blas" is netlib's reference BLAS).
// scripts/bench_lenet_cpu.sh runs this next to the Python reference.
//
//   bench_lenet_cpu                                   # 30000 images, batch 128, 1 and 2 trials
//   bench_lenet_cpu --batch-sizes 32,128,256 --train-size 10000 --repeats 5
#include <ATen/Parallel.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "command_line.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"
#include "packed_lenet.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::vector<std::int64_t> parse_list(std::string_view flag, const std::string& text) {
  std::vector<std::int64_t> values;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    values.push_back(lenet::command_line::parse<std::int64_t>(flag, item));
    if (values.back() < 1) throw std::invalid_argument("--" + std::string(flag) + " " + text + ": each must be >= 1");
  }
  if (values.empty()) throw std::invalid_argument("--" + std::string(flag) + " '': expected a list such as 1,2");
  return values;
}

std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto at = line.find("/libblas.so");
    if (at == std::string::npos) continue;
    const auto parent = line.rfind('/', at - 1);
    return line.substr(parent + 1, at - parent - 1);
  }
  return "none";
}

struct flop_per_image {
  double forward = 0;
  double training = 0;
};

// Read off the model by running one image through it layer by layer: each
// convolution or dense layer costs 2 FLOP per output element and weight it
// reads. Training adds the weight gradients (as much again) and the input
// gradients of every such layer but the first, whose input is the image.
flop_per_image count_flop() {
  const torch::NoGradGuard no_grad;
  auto model = lenet::make_lenet(0);
  auto activation = torch::zeros({1, 1, lenet::image_side, lenet::image_side});
  flop_per_image flop;
  bool first = true;
  for (auto& layer : *model) {
    activation = layer.forward(activation);
    double weights_read = 0;
    if (const auto* conv = layer.ptr()->as<torch::nn::Conv2d>()) {
      weights_read = static_cast<double>(conv->weight[0].numel());
    } else if (const auto* dense = layer.ptr()->as<torch::nn::Linear>()) {
      weights_read = static_cast<double>(dense->weight.size(1));
    } else {
      continue;
    }
    const double forward = 2 * weights_read * static_cast<double>(activation.numel());
    flop.forward += forward;
    flop.training += (first ? 2 : 3) * forward;
    first = false;
  }
  return flop;
}

struct spread {
  double median = 0, least = 0, most = 0;
};

spread spread_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {values[values.size() / 2], values.front(), values.back()};
}

// A barrier that sleeps: libstdc++'s std::barrier spins while it waits, and
// on 2 cores the waiting main thread took CPU from the threads measured.
class sleeping_barrier {
 public:
  explicit sleeping_barrier(std::int64_t count) : count_(count) {}
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    const std::int64_t generation = generation_;
    if (++arrived_ == count_) {
      arrived_ = 0;
      ++generation_;
      woken_.notify_all();
      return;
    }
    woken_.wait(lock, [&] { return generation_ != generation; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable woken_;
  std::int64_t count_, arrived_ = 0, generation_ = 0;
};

// Runs work(thread index) on `threads` threads at once, `repeats` times,
// and returns the wall-clock seconds of each repeat. Each thread first runs
// prepare(thread index) untimed.
std::vector<double> time_together(std::int64_t threads, std::int64_t repeats,
                                  const std::function<std::function<void()>(std::int64_t)>& prepare) {
  sleeping_barrier sync(threads + 1);
  std::vector<std::jthread> workers;
  for (std::int64_t index = 0; index < threads; ++index) {
    workers.emplace_back([&, index] {
      const auto work = prepare(index);
      for (std::int64_t repeat = 0; repeat < repeats; ++repeat) {
        sync.arrive_and_wait();
        work();
        sync.arrive_and_wait();
      }
    });
  }
  std::vector<double> seconds;
  for (std::int64_t repeat = 0; repeat < repeats; ++repeat) {
    sync.arrive_and_wait();
    const auto start = clock_type::now();
    sync.arrive_and_wait();
    seconds.push_back(seconds_since(start));
  }
  return seconds;
}

// m x k times k x n with torch::mm, as LibTorch's dense layers call the BLAS,
// on each of `threads` threads at once: GFLOP/s of all of them together.
double gemm_gflop_per_s(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t threads) {
  const double flop_per_call = 2.0 * static_cast<double>(m * k * n);
  const std::int64_t calls = std::max<std::int64_t>(1, static_cast<std::int64_t>(2e9 / flop_per_call));
  const auto seconds = time_together(threads, 3, [&](std::int64_t /*index*/) {
    auto a = torch::rand({m, k});
    auto b = torch::rand({k, n});
    auto c = torch::empty({m, n});
    torch::mm_out(c, a, b);  // the BLAS's first call sets itself up
    return std::function<void()>([=]() mutable {
      for (std::int64_t call = 0; call < calls; ++call) torch::mm_out(c, a, b);
    });
  });
  return flop_per_call * static_cast<double>(calls * threads) / spread_of(seconds).least / 1e9;
}

struct training_measurement {
  spread images_per_s;
  double validation_images_per_s = 0;
};

training_measurement measure_training(const lenet::fashion_mnist& data, std::int64_t trials, std::int64_t batch_size,
                                      std::int64_t repeats) {
  const torch::Device cpu(torch::kCPU);
  std::vector<double> validation_seconds(static_cast<std::size_t>(trials));
  const auto seconds = time_together(trials, repeats, [&](std::int64_t index) {
    auto training = std::make_shared<lenet::lenet_training>(
        data, cpu,
        lenet::training_settings{.learning_rate = 0.1, .batch_size = batch_size, .seed = static_cast<std::uint64_t>(index)});
    // A few steps untimed: the first ones allocate and set up kernels.
    std::int64_t steps = 0;
    training->train_epoch([&steps] { return ++steps > 10; });
    const auto start = clock_type::now();
    (void)training->validation_error();
    validation_seconds[static_cast<std::size_t>(index)] = seconds_since(start);
    return std::function<void()>([training] { training->train_epoch([] { return false; }); });
  });
  std::vector<double> rates;
  for (const double each : seconds) rates.push_back(static_cast<double>(trials * data.train.size()) / each);
  const double validation_s = *std::max_element(validation_seconds.begin(), validation_seconds.end());
  return {spread_of(rates), static_cast<double>(trials * data.validation.size()) / validation_s};
}

// `members` trials with the same batch size as one packed_lenet on one
// thread, images/s of all of them: their epochs end on the same step.
spread measure_packed(const lenet::fashion_mnist& data, std::int64_t members, std::int64_t batch_size,
                      std::int64_t repeats) {
  const torch::Device cpu(torch::kCPU);
  lenet::packed_lenet pack(data, cpu);
  for (std::int64_t id = 0; id < members; ++id) {
    pack.join(lenet::make_packed_member(
        id, {.learning_rate = 0.1, .batch_size = batch_size, .seed = static_cast<std::uint64_t>(id)}, cpu));
  }
  std::int64_t steps = 0;
  (void)pack.train([&steps] { return ++steps > 10; });  // untimed, as measure_training's first steps
  (void)pack.train([] { return false; });              // the rest of that epoch
  std::vector<double> rates;
  for (std::int64_t repeat = 0; repeat < repeats; ++repeat) {
    const auto start = clock_type::now();
    (void)pack.train([] { return false; });
    rates.push_back(static_cast<double>(members * data.train.size()) / seconds_since(start));
  }
  return spread_of(rates);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const lenet::command_line flags(
        argc, argv,
        {{"data-dir", "the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist)"},
         {"train-size", "training images per epoch and trial (default: 30000, the CPU tuning's)"},
         {"batch-sizes", "comma-separated batch sizes, one measurement each (default: 128)"},
         {"trials", "comma-separated numbers of trainings at once, one thread each (default: 1,2)"},
         {"repeats", "epochs timed per measurement (default: 3)"},
         {"what", "all (default), gemm or training"}});
    if (flags.help_requested()) {
      std::cout << flags.usage(argv[0], "Measures LeNet's training throughput on the CPU and the GEMM peak.");
      return EXIT_SUCCESS;
    }
    std::filesystem::path data_dir = "/usr/share/datasets/fashion-mnist";
    std::int64_t train_size = 30000;
    std::int64_t repeats = 3;
    std::string what = "all";
    flags.read("data-dir", data_dir);
    flags.read("train-size", train_size);
    flags.read("repeats", repeats);
    flags.read("what", what);
    const auto batch_sizes = parse_list("batch-sizes", flags.text("batch-sizes").value_or("128"));
    const auto trial_counts = parse_list("trials", flags.text("trials").value_or("1,2"));
    if (repeats < 1) throw std::invalid_argument("--repeats " + std::to_string(repeats) + ": must be at least 1");
    if (what != "all" && what != "gemm" && what != "training") {
      throw std::invalid_argument("--what " + what + ": expected all, gemm or training");
    }

    std::cout << std::setprecision(7);
    at::set_num_threads(1);  // as the tuning: one LibTorch thread per trial
    const std::string blas = loaded_blas();
    const auto flop = count_flop();
    std::cout << R"({"benchmark":"lenet_cpu","what":"flop_per_image","forward":)" << flop.forward
              << R"(,"training":)" << flop.training << "}" << std::endl;

    std::vector<double> peak(static_cast<std::size_t>(*std::max_element(trial_counts.begin(), trial_counts.end()) + 1));
    if (what != "training") {
      // LeNet's largest dense layer at batch 128 (forward, weight gradient),
      // the second convolution as an im2col GEMM of one image, and a large
      // square product for the peak.
      const std::vector<std::array<std::int64_t, 3>> shapes = {
          {128, 400, 120}, {120, 128, 400}, {16, 150, 100}, {256, 256, 256}, {1024, 1024, 1024}};
      for (const auto threads : trial_counts) {
        for (const auto& [m, k, n] : shapes) {
          const double rate = gemm_gflop_per_s(m, k, n, threads);
          peak[static_cast<std::size_t>(threads)] = std::max(peak[static_cast<std::size_t>(threads)], rate);
          std::cout << R"({"benchmark":"lenet_cpu","what":"gemm","blas":")" << blas << R"(","m":)" << m
                    << R"(,"k":)" << k << R"(,"n":)" << n << R"(,"threads":)" << threads << R"(,"gflop_per_s":)"
                    << rate << "}" << std::endl;
        }
      }
    }
    if (what == "gemm") return EXIT_SUCCESS;

    const auto data = lenet::load_fashion_mnist(data_dir, train_size, 2000);
    for (const auto batch_size : batch_sizes) {
      for (const auto trials : trial_counts) {
        const auto measured = measure_training(data, trials, batch_size, repeats);
        const double bound = peak[static_cast<std::size_t>(trials)];
        std::cout << R"({"benchmark":"lenet_cpu","what":"training","impl":"rung-libtorch","blas":")" << blas
                  << R"(","trials":)" << trials << R"(,"threads":)" << trials << R"(,"batch_size":)" << batch_size
                  << R"(,"images":)" << train_size << R"(,"repeats":)" << repeats << R"(,"images_per_s":)"
                  << measured.images_per_s.median << R"(,"images_per_s_min":)" << measured.images_per_s.least
                  << R"(,"images_per_s_max":)" << measured.images_per_s.most << R"(,"gflop_per_s":)"
                  << measured.images_per_s.median * flop.training / 1e9;
        if (bound > 0) std::cout << R"(,"bound_images_per_s":)" << bound * 1e9 / flop.training;
        std::cout << R"(,"validation_images_per_s":)" << measured.validation_images_per_s << "}" << std::endl;
      }
      // The packed form: as many trials, one thread (docs/lenet.md, "Packed trials").
      for (const auto trials : trial_counts) {
        const auto packed = measure_packed(data, trials, batch_size, repeats);
        std::cout << R"({"benchmark":"lenet_cpu","what":"training","impl":"rung-libtorch-packed","blas":")" << blas
                  << R"(","trials":)" << trials << R"(,"threads":1,"batch_size":)" << batch_size << R"(,"images":)"
                  << train_size << R"(,"repeats":)" << repeats << R"(,"images_per_s":)" << packed.median
                  << R"(,"images_per_s_min":)" << packed.least << R"(,"images_per_s_max":)" << packed.most
                  << R"(,"gflop_per_s":)" << packed.median * flop.training / 1e9 << "}" << std::endl;
      }
    }
    return EXIT_SUCCESS;
  } catch (const std::exception& error) {
    std::cerr << "bench_lenet_cpu: " << error.what() << '\n';
    return EXIT_FAILURE;
  }
}
