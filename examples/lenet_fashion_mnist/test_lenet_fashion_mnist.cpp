// The LeNet example's tests: a short tuning on a few hundred real images
// learns (validation error below chance), and bad input gives clear errors:
// corrupt or truncated IDX files, devices that do not exist, CUDA where there
// is none, and a trial whose loss becomes NaN fails while the tuning goes on.
// Packed trials train each member as it would train alone, keep a member's
// state exactly across leave and join, refuse other architectures, and a
// member whose loss becomes NaN fails alone.
#include <rung/results/experiment.hpp>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"
#include "lenet_tuning.hpp"
#include "packed_lenet.hpp"

// Last: LibTorch's headers bring glog, whose CHECK macro would otherwise
// replace doctest's (a failed check would abort instead of being reported).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

namespace {

struct temp_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("rung-lenet-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  temp_dir() { std::filesystem::create_directories(path); }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

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

std::string error_of(const auto& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "no error";
}

lenet::lenet_settings quiet_cpu_settings(const std::filesystem::path& out) {
  lenet::lenet_settings settings;
  settings.device = "cpu";
  settings.data_dir = RUNG_LENET_TEST_DATA_DIR;
  settings.scheduler = "random";
  settings.out = out;
  settings.log = nullptr;
  return settings;
}

}  // namespace

// The pipeline end to end: real files, the tuner, four trials, the results
// read back. On so few images sigmoid LeNet does not get past its plateau in
// seconds (that takes some 50,000 images' worth of SGD steps at a high
// learning rate), so below-chance here means it fits the class frequencies;
// the main job shows it learning.
TEST_CASE("a short tuning on a few hundred images gets the validation error below chance") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(dir.path);
  settings.train_size = 500;
  settings.validation_size = 200;
  settings.max_epochs = 4;
  settings.max_trials = 4;
  settings.max_wallclock = 120;  // a safety net; the trial limit ends it in seconds
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
  settings.train_size = 100;
  settings.validation_size = 50;
  settings.max_epochs = 4;
  settings.max_trials = 3;
  settings.max_wallclock = 60;
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

// The promotion variant pauses trials at rung levels (epochs 2, 4, ...)
// with their model in memory; a promoted trial's next report is the next
// epoch: it went on where it stopped rather than starting again.
TEST_CASE("asha-promotion resumes a paused trial where it stopped") {
  temp_dir dir;
  auto settings = quiet_cpu_settings(dir.path);
  settings.scheduler = "asha-promotion";
  settings.train_size = 100;
  settings.validation_size = 50;
  settings.max_epochs = 4;
  settings.max_trials = 6;
  settings.max_wallclock = 60;
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
  auto settings = quiet_cpu_settings(dir.path);
  settings.max_epochs = 2;
  settings.max_trials = 3;
  settings.max_wallclock = 60;
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

namespace {

const torch::Device cpu(torch::kCPU);

// The oracle for packed training: one trial alone, as lenet_training trains
// it, written with LibTorch's own modules and optimiser.
struct solo_run {
  std::vector<torch::Tensor> parameters;
  std::vector<double> epoch_losses;
};

solo_run train_alone(const lenet::fashion_mnist& data, const lenet::training_settings& settings, std::int64_t epochs) {
  auto model = lenet::make_lenet(settings.seed);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(settings.learning_rate));
  auto generator = lenet::make_generator(cpu, settings.seed);
  solo_run run;
  const std::int64_t size = data.train.size();
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    const auto order = torch::randperm(size, generator, torch::kInt64);
    double loss_sum = 0;
    for (std::int64_t start = 0; start < size; start += settings.batch_size) {
      const auto batch = order.slice(0, start, std::min(start + settings.batch_size, size));
      const auto loss = torch::nn::functional::cross_entropy(model->forward(data.train.images.index_select(0, batch)),
                                                             data.train.labels.index_select(0, batch));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * static_cast<double>(batch.size(0));
    }
    run.epoch_losses.push_back(loss_sum / static_cast<double>(size));
  }
  for (const auto& parameter : model->parameters()) run.parameters.push_back(parameter.detach().clone());
  return run;
}

// Equal up to floating-point summation order.
void check_close(const std::vector<torch::Tensor>& packed, const std::vector<torch::Tensor>& alone) {
  REQUIRE(packed.size() == alone.size());
  for (std::size_t k = 0; k < packed.size(); ++k) {
    CAPTURE(k);
    CHECK(torch::allclose(packed[k], alone[k], /*rtol=*/1e-4, /*atol=*/1e-6));
  }
}

void check_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) CHECK(torch::equal(a[k], b[k]));
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> copied;
  for (const auto& tensor : tensors) copied.push_back(tensor.clone());
  return copied;
}

// Leaves and joins again at once, and checks that nothing of the member changed.
void round_trip(lenet::packed_lenet& pack, std::int64_t id) {
  auto member = pack.leave(id);
  const auto parameters = copies(member.parameters);
  const auto gradients = copies(member.gradients);
  const auto position = member.next_image;
  pack.join(std::move(member));
  const auto again = pack.leave(id);
  check_equal(again.parameters, parameters);
  check_equal(again.gradients, gradients);
  CHECK(again.next_image == position);
  pack.join(again);
}

// Three trials with different learning rates, batch sizes (chunks of 64:
// 100 takes a full and a padded chunk per step, 300 images end each epoch
// on a partial minibatch for 64 and 128) and seeds.
const std::vector<lenet::training_settings> pack_settings = {{.learning_rate = 0.1, .batch_size = 64, .seed = 11},
                                                              {.learning_rate = 0.9, .batch_size = 100, .seed = 12},
                                                              {.learning_rate = 0.5, .batch_size = 128, .seed = 13}};

}  // namespace

TEST_CASE("a pack of three trains each member as it would train alone; leave and join keep its state exactly") {
  const auto data = lenet::load_fashion_mnist(RUNG_LENET_TEST_DATA_DIR, 300, 100);
  constexpr std::int64_t epochs = 2;
  lenet::packed_lenet pack(data, cpu);
  for (std::int64_t id = 0; id < 3; ++id) pack.join(lenet::make_packed_member(id, pack_settings[id], cpu));
  std::map<std::int64_t, std::vector<double>> losses;
  std::map<std::int64_t, lenet::packed_member_state> finished;
  std::optional<lenet::packed_member_state> paused;
  bool checked_round_trips = false;
  while (pack.size() > 0 || paused) {
    bool paused_now = false;
    for (const auto& end : pack.train([] { return false; })) {
      REQUIRE_FALSE(end.failure.has_value());
      losses[end.id].push_back(end.mean_loss);
      if (end.id == 2 && end.epoch == 1) {  // a pause after its first epoch
        paused = pack.leave(2);
        paused_now = true;
      } else if (end.epoch == epochs) {
        finished.emplace(end.id, pack.leave(end.id));
      }
    }
    if (!checked_round_trips) {
      for (const auto id : pack.member_ids()) round_trip(pack, id);
      // Member 1 is part way through a minibatch: it has summed one chunk's gradient.
      auto midway = pack.leave(1);
      CHECK(midway.next_image > midway.minibatch_begin);
      CHECK(midway.gradients[0].abs().sum().item<double>() > 0);
      pack.join(std::move(midway));
      checked_round_trips = true;
    }
    // Member 2 comes back when another member's epoch ends: the others are mid-epoch.
    if (paused && !paused_now) {
      pack.join(std::move(*paused));
      paused.reset();
    }
  }
  REQUIRE(checked_round_trips);
  for (std::int64_t id = 0; id < 3; ++id) {
    CAPTURE(id);
    const auto alone = train_alone(data, pack_settings[id], epochs);
    check_close(finished.at(id).parameters, alone.parameters);
    REQUIRE(losses[id].size() == alone.epoch_losses.size());
    for (std::size_t epoch = 0; epoch < alone.epoch_losses.size(); ++epoch) {
      CHECK(losses[id][epoch] == doctest::Approx(alone.epoch_losses[epoch]).epsilon(1e-5));
    }
  }
  // And as the example's trial trains alone: the same validation error.
  lenet::lenet_training trial(data, cpu, pack_settings[1]);
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) REQUIRE(trial.train_epoch([] { return false; }));
  CHECK(lenet::validation_error(data, finished.at(1)) == trial.validation_error());
}

TEST_CASE("a packed member whose loss becomes NaN fails alone, and the others train on") {
  const auto data = lenet::load_fashion_mnist(RUNG_LENET_TEST_DATA_DIR, 300, 100);
  lenet::packed_lenet pack(data, cpu);
  for (std::int64_t id = 0; id < 3; ++id) {
    auto member = lenet::make_packed_member(id, pack_settings[id], cpu);
    if (id == 1) member.parameters[0][0][0][2][2] = std::numeric_limits<float>::quiet_NaN();  // in its first convolution
    pack.join(std::move(member));
  }
  std::map<std::int64_t, lenet::packed_member_state> finished;
  std::vector<std::string> failures;
  while (pack.size() > 0) {
    for (const auto& end : pack.train([] { return false; })) {
      if (end.failure) {
        CHECK(end.id == 1);
        failures.push_back(*end.failure);
      } else {
        finished.emplace(end.id, pack.leave(end.id));
      }
    }
  }
  REQUIRE(failures.size() == 1);
  CAPTURE(failures[0]);
  CHECK(failures[0].find("training diverged: the loss of epoch 1 is ") == 0);
  CHECK(failures[0].find("nan") != std::string::npos);
  for (const std::int64_t id : {0, 2}) {
    CAPTURE(id);
    check_close(finished.at(id).parameters, train_alone(data, pack_settings[id], 1).parameters);
  }
}

TEST_CASE("a pack refuses members of another architecture, duplicates and bad settings by name") {
  const auto data = lenet::load_fashion_mnist(RUNG_LENET_TEST_DATA_DIR, 100, 10);
  lenet::packed_lenet pack(data, cpu);
  pack.join(lenet::make_packed_member(1, {}, cpu));

  auto wider = lenet::make_packed_member(7, {}, cpu);
  wider.parameters[2] = torch::zeros({16, 8, 5, 5});
  CHECK(error_of([&] { pack.join(wider); }) ==
        "packed_lenet::join: member 7: parameter 3.weight has shape [16, 8, 5, 5], the pack's LeNets "
        "[16, 6, 5, 5]: only LeNets of the same architecture train packed");
  namespace nn = torch::nn;
  const nn::Sequential other(nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::Flatten(),
                             nn::Linear(6 * 28 * 28, lenet::num_classes));
  CHECK(error_of([&] { pack.join(lenet::packed_member_from(8, {}, other, cpu)); }) ==
        "packed_lenet::join: member 8 has 4 parameters and 4 gradients, the pack's LeNets 10: only LeNets of the "
        "same architecture train packed");
  CHECK(error_of([&] { pack.join(lenet::make_packed_member(1, {}, cpu)); }) ==
        "packed_lenet::join: member 1 is in the pack already");
  CHECK(error_of([&] { pack.join(lenet::make_packed_member(9, {.batch_size = 0}, cpu)); }) ==
        "packed_lenet::join: member 9: batch_size = 0: must be at least 1");
  CHECK(error_of([&] { pack.leave(5); }) == "packed_lenet: no member 5 in the pack");
  CHECK(error_of([&] { (void)lenet::packed_lenet(data, cpu, {.chunk_images = -1}); }) ==
        "pack_options.chunk_images = -1: must be 0 (the smallest batch size in the pack) or more");
  CHECK(pack.member_ids() == std::vector<std::int64_t>{1});
}
