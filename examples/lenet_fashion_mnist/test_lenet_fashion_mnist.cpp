// The LeNet example's tests: a short tuning on a few hundred real images
// learns (validation error below chance), and bad input gives clear errors:
// corrupt or truncated IDX files, devices that do not exist, CUDA where there
// is none, and a trial whose loss becomes NaN fails while the tuning goes on.
// Packed trials are tested in test_packed_lenet.cpp.
#include <rung/results/experiment.hpp>
#include <torch/cuda.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"
#include "lenet_test_support.hpp"
#include "lenet_tuning.hpp"

// Last: LibTorch's headers bring glog, whose CHECK macro would otherwise
// replace doctest's (a failed check would abort instead of being reported).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

namespace {

using lenet_test::error_of;
using lenet_test::quiet_cpu_settings;
using lenet_test::temp_dir;

void write_gzip(const std::filesystem::path& path, const std::vector<unsigned char>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(file);
}

// An IDX header: magic, then each dimension, big-endian.
std::vector<unsigned char> idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& dims) {
  std::vector<unsigned char> bytes;
  for (const std::uint32_t word : [&] {
         std::vector<std::uint32_t> words{magic};
         words.insert(words.end(), dims.begin(), dims.end());
         return words;
       }()) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<unsigned char>(word >> shift));
  }
  return bytes;
}

}  // namespace

// The pipeline end to end: real files, the tuner, four trials, the results
// read back. On so few images sigmoid LeNet does not get past its plateau in
// seconds (that takes some 50,000 images' worth of SGD steps at a high
// learning rate), so below-chance here means it fits the class frequencies;
// the main job shows it learning.
TEST_CASE("a short tuning on a few hundred images gets the validation error below chance") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(
      dir.path, {.train_size = 500, .validation_size = 200, .max_trials = 4, .max_wallclock = 120});
  const auto data = lenet::prepare_data(settings);
  const auto outcome = lenet::tune_lenet(settings, data);

  CHECK(outcome.status.num_trials_started == 4);
  CHECK(outcome.status.num_trials_failed == 0);
  REQUIRE(outcome.best_validation_error);
  CHECK(*outcome.best_validation_error < 0.9);
  const auto experiment = rung::load_experiment(outcome.experiment_dir);
  CHECK(experiment.rows.size() == 16);  // FIFO: 4 trials x 4 epochs
  CHECK(std::get<double>(*experiment.trials.front().find("learning_rate")) == 0.1);  // the seeds' initial configuration
}

TEST_CASE("every --scheduler runs the tuning; an unknown one is an error listing them") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(dir.path);
  const auto data = lenet::prepare_data(settings);
  for (const auto name : lenet::scheduler_names) {
    CAPTURE(name);
    settings.scheduler = name;
    const auto outcome = lenet::tune_lenet(settings, data);
    CHECK(outcome.status.num_trials_started == 3);
    CHECK(outcome.best_validation_error);
  }
  settings.scheduler = "bohb";
  CHECK(error_of([&] { lenet::tune_lenet(settings, data); }) ==
        "--scheduler bohb: unknown; expected one of asha, asha-promotion, hyperband, sync-sh, random");
}

TEST_CASE("--searcher kde runs with ASHA (BOHB); an unknown searcher is an error listing them") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(dir.path, {.max_trials = 6});
  settings.scheduler = "asha";
  settings.searcher = "kde";
  const auto data = lenet::prepare_data(settings);
  const auto outcome = lenet::tune_lenet(settings, data);
  CHECK(outcome.status.num_trials_started == 6);
  CHECK(outcome.best_validation_error);
  const auto experiment = rung::load_experiment(outcome.experiment_dir);
  CHECK(std::get<double>(*experiment.trials.front().find("learning_rate")) == 0.1);  // the seeds' first, as random's
  settings.searcher = "tpe";
  CHECK(error_of([&] { lenet::prepare_data(settings); }) == "--searcher tpe: unknown; expected one of random, kde");
  CHECK(error_of([&] { lenet::tune_lenet(settings, data); }) == "--searcher tpe: unknown; expected one of random, kde");
}

// The promotion variant pauses trials at rung levels (epochs 2, 4, ...)
// with their model in memory; a promoted trial's next report is the next
// epoch: it went on where it stopped rather than starting again.
TEST_CASE("asha-promotion resumes a paused trial where it stopped") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(dir.path, {.max_trials = 6});
  settings.scheduler = "asha-promotion";
  const auto outcome = lenet::tune_lenet(settings, lenet::prepare_data(settings));
  const auto experiment = rung::load_experiment(outcome.experiment_dir);
  std::size_t resumed = 0;
  for (const auto& trial : experiment.trials) {
    const auto curve = experiment.curve(trial.id) | ranges::to<std::vector>();
    for (std::size_t i = 0; i < curve.size(); ++i) CHECK(curve[i].resource == static_cast<double>(i + 1));
    if (curve.size() > 2 && curve[1].decision == "PAUSE") ++resumed;
  }
  CHECK(resumed >= 1);
}

TEST_CASE("missing data names the Debian package and the flag") {
  const auto message = error_of([] { lenet::load_fashion_mnist("/nonexistent/fashion-mnist", 10, 10); });
  CHECK(message.find("/nonexistent/fashion-mnist") != std::string::npos);
  CHECK(message.find("dataset-fashion-mnist") != std::string::npos);
  CHECK(message.find("--data-dir") != std::string::npos);
}

TEST_CASE("corrupt and truncated IDX files are errors naming the file") {
  temp_dir dir;
  const auto file = dir.path / "images.gz";
  auto pixels_for = [](std::uint32_t images) { return std::vector<unsigned char>(images * 28 * 28, 7); };

  SUBCASE("a well-formed file reads back, scaled to [0, 1]") {
    auto bytes = idx_header(0x803, {3, 28, 28});
    const auto pixels = pixels_for(3);
    bytes.insert(bytes.end(), pixels.begin(), pixels.end());
    write_gzip(file, bytes);
    const auto images = lenet::read_idx_images(file, 2);
    CHECK(images.sizes() == torch::IntArrayRef({2, 1, 28, 28}));
    CHECK(images.max().item<float>() == doctest::Approx(7.0 / 255.0));
  }
  SUBCASE("fewer pixels than the header promises") {
    auto bytes = idx_header(0x803, {3, 28, 28});
    const auto pixels = pixels_for(2);
    bytes.insert(bytes.end(), pixels.begin(), pixels.end());
    write_gzip(file, bytes);
    const auto message = error_of([&] { (void)lenet::read_idx_images(file, 3); });
    CHECK(message.find(file.string()) != std::string::npos);
    CHECK(message.find("truncated") != std::string::npos);
  }
  SUBCASE("a labels file where images are expected") {
    write_gzip(file, idx_header(0x801, {3}));
    const auto message = error_of([&] { (void)lenet::read_idx_images(file, 1); });
    CHECK(message.find(file.string()) != std::string::npos);
    CHECK(message.find("not an IDX images file") != std::string::npos);
  }
  SUBCASE("images of another size") {
    write_gzip(file, idx_header(0x803, {3, 32, 32}));
    CHECK(error_of([&] { (void)lenet::read_idx_images(file, 1); }).find("dimension 2 is 32, expected 28") !=
          std::string::npos);
  }
  SUBCASE("more images asked for than the file holds") {
    write_gzip(file, idx_header(0x803, {3, 28, 28}));
    CHECK(error_of([&] { (void)lenet::read_idx_images(file, 4); }).find("asked for 4 images, the file holds 3") !=
          std::string::npos);
  }
  SUBCASE("a label that is no class") {
    auto bytes = idx_header(0x801, {2});
    bytes.insert(bytes.end(), {3, 12});
    write_gzip(file, bytes);
    CHECK(error_of([&] { (void)lenet::read_idx_labels(file, 2); }).find("label 12 is not a class") !=
          std::string::npos);
  }
  SUBCASE("gzip data cut off half way") {
    auto bytes = idx_header(0x803, {50, 28, 28});
    const auto pixels = pixels_for(50);
    bytes.insert(bytes.end(), pixels.begin(), pixels.end());
    write_gzip(file, bytes);
    const auto size = std::filesystem::file_size(file);
    std::filesystem::resize_file(file, size / 2);
    const auto message = error_of([&] { (void)lenet::read_idx_images(file, 50); });
    CHECK(message.find(file.string()) != std::string::npos);
    CHECK(message.find("truncated") != std::string::npos);
  }
  SUBCASE("gzip data damaged in the middle") {
    std::vector<unsigned char> bytes = idx_header(0x803, {50, 28, 28});
    for (std::size_t i = 0; i < 50 * 28 * 28; ++i) bytes.push_back(static_cast<unsigned char>(i * 7919 % 251));
    write_gzip(file, bytes);
    {
      std::fstream damage(file, std::ios::in | std::ios::out | std::ios::binary);
      damage.seekp(40);
      const std::string garbage(64, '\xff');
      damage.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    const auto message = error_of([&] { (void)lenet::read_idx_images(file, 50); });
    CAPTURE(message);
    CHECK(message.find("Fashion-MNIST file " + file.string() + ": corrupt data in ") == 0);
    CHECK(message.find(file.string(), 20) == std::string::npos);  // named once
  }
}

TEST_CASE("devices that do not exist are errors naming the flag") {
  CHECK(lenet::select_devices("cpu") == std::vector<torch::Device>{torch::Device(torch::kCPU)});
  CHECK(error_of([] { lenet::select_devices("gpu"); }) == "--device gpu: expected cpu, cuda, cuda:N or auto");
  CHECK(error_of([] { lenet::select_devices("cuda:first"); }).find("--device cuda:first: expected cuda:N") == 0);
  if (torch::cuda::is_available()) {
    CHECK(error_of([] { lenet::select_devices("cuda:999"); }).find("--device cuda:999: no such device") == 0);
  } else {
    CHECK(lenet::select_devices("auto") == std::vector<torch::Device>{torch::Device(torch::kCPU)});
    for (const auto* flag : {"cuda", "cuda:0"}) {
      CAPTURE(flag);
      CHECK(error_of([&] { lenet::select_devices(flag); }).find("CUDA requested but not available") !=
            std::string::npos);
    }
  }
}

TEST_CASE("a trial whose loss becomes NaN fails, and the tuning goes on") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(dir.path, {.max_epochs = 2});
  settings.max_failures = 10;
  // Twenty images, one of them NaN: every minibatch that holds it has a NaN loss.
  auto images = torch::rand({20, 1, 28, 28});
  images[3][0][5][5] = std::numeric_limits<float>::quiet_NaN();
  auto poisoned = std::make_shared<const lenet::device_data>(lenet::device_data{
      torch::Device(torch::kCPU), {{images, torch::randint(10, {20}, torch::kInt64)},
                                   {torch::rand({10, 1, 28, 28}), torch::randint(10, {10}, torch::kInt64)}}});

  lenet::lenet_training training(poisoned->data, poisoned->device, {});
  CHECK_THROWS_AS(training.train_epoch([] { return false; }), lenet::diverged);

  const auto outcome = lenet::tune_lenet(settings, {.devices = {poisoned}, .description = "poisoned", .on_gpu = false});
  CHECK(outcome.status.num_trials_started == 3);
  CHECK(outcome.status.num_trials_failed == 3);
  CHECK_FALSE(outcome.best_validation_error);
  const auto experiment = rung::load_experiment(outcome.experiment_dir);
  REQUIRE(experiment.trials.size() == 3);
  CHECK(experiment.trials[2].status == "Failed");
  CHECK(experiment.trials[2].error.find("training diverged: the loss of epoch 1 is nan") != std::string::npos);
}

