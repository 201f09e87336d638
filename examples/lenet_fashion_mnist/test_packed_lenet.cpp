// Packed trials: a pack trains each member as it would train alone, keeps a
// member's state exactly across leave and join, refuses other
// architectures, and a member whose loss becomes NaN fails alone; in the
// tuner (--pack), packed trials report what unpacked ones report, and bad
// --pack values are errors naming the flag.
#include <rung/results/experiment.hpp>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "command_line.hpp"
#include "device_packs.hpp"
#include "devices.hpp"
#include "fashion_mnist.hpp"
#include "lenet_model.hpp"
#include "lenet_test_support.hpp"
#include "lenet_tuning.hpp"
#include "packed_lenet.hpp"

// Last, as in test_lenet_fashion_mnist.cpp: glog's CHECK would replace doctest's.
#include <doctest/doctest.h>

namespace {

using lenet_test::error_of;

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

namespace {

// What a tuning reported, per trial and epoch: validation error and training loss.
struct epoch_report {
  double validation_error = 0;
  double train_loss = 0;
};

std::map<std::pair<rung::trial_id, double>, epoch_report> reports_of(const rung::experiment& experiment) {
  const auto error_index = experiment.metric_index(lenet::metric_name);
  const auto loss_index = experiment.metric_index(lenet::train_loss_name);
  std::map<std::pair<rung::trial_id, double>, epoch_report> reports;
  for (const auto& row : experiment.rows) {
    reports[{row.trial, row.resource}] = {row.metrics[error_index], row.metrics[loss_index]};
  }
  return reports;
}

}  // namespace

// Random search never stops a trial, so both tunings run the same four
// configurations to the end; packed, two train at once in one pack.
TEST_CASE("packed trials in the tuner report what unpacked trials report, up to summation order") {
  lenet_test::temp_dir dir;
  auto settings = lenet_test::quiet_cpu_settings(
      dir.path, {.train_size = 1000, .validation_size = 200, .max_epochs = 2, .max_trials = 4, .max_wallclock = 120});
  const auto data = lenet::prepare_data(settings);
  settings.name = "alone";
  const auto alone = lenet::tune_lenet(settings, data);
  settings.pack = 2;
  settings.name = "packed";
  const auto packed = lenet::tune_lenet(settings, data);

  CHECK(alone.most_trials_packed == 1);
  CHECK(packed.most_trials_packed == 2);
  CHECK(packed.status.num_trials_failed == 0);
  const auto alone_reports = reports_of(rung::load_experiment(alone.experiment_dir));
  const auto packed_reports = reports_of(rung::load_experiment(packed.experiment_dir));
  REQUIRE(alone_reports.size() == 8);  // 4 trials x 2 epochs
  REQUIRE(packed_reports.size() == alone_reports.size());
  for (const auto& [key, report] : alone_reports) {
    CAPTURE(key.first);
    CAPTURE(key.second);
    REQUIRE(packed_reports.contains(key));
    // Another summation order (the pack's chunks vary with which trials
    // share it; alone, the CPU runs channels-last) grows over SGD steps at
    // learning rates up to 1: 2e-4 has been seen. The pack's arithmetic is
    // checked at 1e-5 above, on fixed settings and one pack.
    CHECK(packed_reports.at(key).train_loss == doctest::Approx(report.train_loss).epsilon(2e-3));
    // And it can move an image across a decision boundary: two images of 200 at most.
    CHECK(std::abs(packed_reports.at(key).validation_error - report.validation_error) <= 2.0 / 200 + 1e-12);
  }
}

TEST_CASE("device_packs: members on threads of their own train as alone; a NaN member fails alone") {
  const auto data = lenet::load_fashion_mnist(RUNG_LENET_TEST_DATA_DIR, 300, 100);
  lenet::device_packs packs(data, cpu, 1, 3);
  std::vector<lenet::packed_member_state> members;
  for (std::int64_t id = 0; id < 3; ++id) members.push_back(lenet::make_packed_member(id, pack_settings[id], cpu));
  members[1].parameters[0][0][0][2][2] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::vector<std::optional<double>>> losses(3);
  std::vector<std::string> errors(3);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] {
        try {
          for (int epoch = 0; epoch < 2; ++epoch) losses[i].push_back(packs.train_epoch(members[i], [] { return false; }));
        } catch (const lenet::diverged& failure) {
          errors[i] = failure.what();
        }
      });
    }
  }
  CHECK(errors[0].empty());
  CHECK(errors[1].find("training diverged: the loss of epoch 1 is ") == 0);
  CHECK(errors[2].empty());
  for (const std::size_t i : {0, 2}) {
    CAPTURE(i);
    const auto alone = train_alone(data, pack_settings[i], 2);
    REQUIRE(losses[i].size() == 2);
    for (std::size_t epoch = 0; epoch < 2; ++epoch) {
      REQUIRE(losses[i][epoch].has_value());
      CHECK(*losses[i][epoch] == doctest::Approx(alone.epoch_losses[epoch]).epsilon(1e-5));
    }
    check_close(members[i].parameters, alone.parameters);
  }
}

TEST_CASE("device_packs: an interrupted member comes back mid-epoch; another architecture is refused naming --pack") {
  const auto data = lenet::load_fashion_mnist(RUNG_LENET_TEST_DATA_DIR, 300, 100);
  lenet::device_packs packs(data, cpu, 1, 2);
  auto member = lenet::make_packed_member(4, pack_settings[0], cpu);
  int steps = 0;
  CHECK_FALSE(packs.train_epoch(member, [&steps] { return ++steps > 2; }).has_value());
  CHECK(member.next_image > 0);
  CHECK(member.next_image < data.train.size());
  CHECK(member.parameters.size() == 10);  // back out of the pack, whole

  auto wider = lenet::make_packed_member(7, {}, cpu);
  wider.parameters[2] = torch::zeros({16, 8, 5, 5});
  CHECK(error_of([&] { (void)packs.train_epoch(wider, [] { return false; }); }) ==
        "--pack 2: packed_lenet::join: member 7: parameter 3.weight has shape [16, 8, 5, 5], the pack's LeNets "
        "[16, 6, 5, 5]: only LeNets of the same architecture train packed");
  // The member that was refused is still the caller's.
  CHECK(wider.parameters[2].size(1) == 8);
  CHECK(error_of([&] { lenet::device_packs(data, cpu, 1, 0); }) == "--pack 0: a pack holds at least one trial");
  CHECK(error_of([&] { lenet::device_packs(data, cpu, 0, 2); }) == "--pack 2: no pack to train in");
}

TEST_CASE("--pack below 1 or above --workers is an error naming the flag") {
  lenet_test::temp_dir dir;
  auto settings = lenet_test::quiet_cpu_settings(dir.path);
  const auto data = lenet::prepare_data(settings);
  settings.pack = 0;
  CHECK(error_of([&] { lenet::tune_lenet(settings, data); }) ==
        "--pack 0: must be at least 1 (1 trains every trial alone)");
  settings.pack = -3;
  CHECK(error_of([&] { lenet::tune_lenet(settings, data); }) ==
        "--pack -3: must be at least 1 (1 trains every trial alone)");
  settings.pack = 3;
  CHECK(error_of([&] { lenet::tune_lenet(settings, data); }) ==
        "--pack 3: must be at most --workers (2): a pack holds trials that train at once");
  CHECK(error_of([] { (void)lenet::command_line::parse<std::int64_t>("pack", "two"); }) ==
        "--pack 'two': expected a whole number");
}
