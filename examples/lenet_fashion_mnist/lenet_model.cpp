#include "lenet_model.hpp"

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/utils.h>

#include <cmath>
#include <string>

#include "devices.hpp"

namespace lenet {

namespace {

// Xavier-uniform weights and PyTorch's default biases, for a convolution or
// dense layer whose weight is out x in (x kernel).
void initialise_layer(torch::Tensor weight, torch::Tensor bias, torch::Generator& generator) {
  const auto receptive_field = weight.dim() > 2 ? weight[0][0].numel() : 1;
  const auto fan_in = static_cast<double>(weight.size(1) * receptive_field);
  const auto fan_out = static_cast<double>(weight.size(0) * receptive_field);
  const double weight_bound = std::sqrt(6.0 / (fan_in + fan_out));
  weight.uniform_(-weight_bound, weight_bound, generator);
  const double bias_bound = 1.0 / std::sqrt(fan_in);
  bias.uniform_(-bias_bound, bias_bound, generator);
}

// On `device`; on the CPU with the convolutions' weights channels-last
// (NHWC): oneDNN then runs LeNet's convolutions and pooling in its
// channels-last kernels, 1.4x the images per second of NCHW on one thread
// (docs/lenet.md). The same function, in another summation order. GPUs keep
// NCHW: channels-last is not measured there.
torch::nn::Sequential on_device(torch::nn::Sequential model, const torch::Device& device) {
  model->to(device);
  if (!device.is_cpu()) return model;
  const torch::NoGradGuard no_grad;
  for (auto& parameter : model->parameters()) {
    // A fresh copy: contiguous() would keep conv 1's [6, 1, 5, 5] weight as
    // it is (with one input channel it counts as channels-last already), and
    // oneDNN reads the format from the strides.
    if (parameter.dim() != 4) continue;
    auto channels_last = torch::empty_like(parameter, torch::MemoryFormat::ChannelsLast);
    parameter.set_data(channels_last.copy_(parameter));
  }
  return model;
}

}  // namespace

torch::nn::Sequential make_lenet(std::uint64_t seed) {
  namespace nn = torch::nn;
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::Sigmoid(),
                       nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2)),
                       nn::Conv2d(nn::Conv2dOptions(6, 16, 5)), nn::Sigmoid(),
                       nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2)), nn::Flatten(),
                       nn::Linear(16 * 5 * 5, 120), nn::Sigmoid(), nn::Linear(120, 84), nn::Sigmoid(),
                       nn::Linear(84, num_classes));
  // Drawn on the CPU, so the same seed gives the same network on every device.
  auto generator = make_generator(torch::Device(torch::kCPU), seed);
  const torch::NoGradGuard no_grad;
  for (const auto& layer : model->modules(/*include_self=*/false)) {
    if (auto* conv = layer->as<nn::Conv2d>()) initialise_layer(conv->weight, conv->bias, generator);
    if (auto* dense = layer->as<nn::Linear>()) initialise_layer(dense->weight, dense->bias, generator);
  }
  return model;
}

lenet_training::lenet_training(const fashion_mnist& data, const torch::Device& device, training_settings settings)
    : data_(data),
      device_(device),
      settings_(settings),
      model_(on_device(make_lenet(settings.seed), device)),
      optimizer_(model_->parameters(), torch::optim::SGDOptions(settings.learning_rate)),
      generator_(make_generator(device, settings.seed)) {}

bool lenet_training::train_epoch(const std::function<bool()>& interrupted) {
  model_->train();
  const std::int64_t size = data_.train.size();
  const auto order = torch::randperm(size, generator_, torch::TensorOptions().dtype(torch::kInt64).device(device_));
  // The loss is summed on the device and read once per epoch: reading it
  // per minibatch would wait for the GPU at every step.
  auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device_));
  for (std::int64_t start = 0; start < size; start += settings_.batch_size) {
    if (interrupted()) return false;
    const auto batch = order.slice(0, start, std::min(start + settings_.batch_size, size));
    const auto loss = torch::nn::functional::cross_entropy(model_->forward(data_.train.images.index_select(0, batch)),
                                                           data_.train.labels.index_select(0, batch));
    optimizer_.zero_grad();
    loss.backward();
    optimizer_.step();
    loss_sum += loss.detach() * static_cast<double>(batch.size(0));
  }
  ++epochs_trained_;
  const double mean_loss = loss_sum.item<double>() / static_cast<double>(size);
  if (!std::isfinite(mean_loss)) {
    throw diverged("training diverged: the loss of epoch " + std::to_string(epochs_trained_) + " is " +
                   std::to_string(mean_loss) + " (learning_rate " + std::to_string(settings_.learning_rate) +
                   ", batch_size " + std::to_string(settings_.batch_size) + ")");
  }
  last_epoch_loss_ = mean_loss;
  return true;
}

double lenet_training::validation_error() {
  // Big minibatches: no gradients are kept, and fewer, larger kernels are
  // faster on both CPU and GPU.
  constexpr std::int64_t evaluation_batch = 1000;
  model_->eval();
  const torch::NoGradGuard no_grad;
  const std::int64_t size = data_.validation.size();
  auto wrong = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device_));
  for (std::int64_t start = 0; start < size; start += evaluation_batch) {
    const std::int64_t end = std::min(start + evaluation_batch, size);
    const auto predicted = model_->forward(data_.validation.images.slice(0, start, end)).argmax(1);
    wrong += predicted.ne(data_.validation.labels.slice(0, start, end)).sum();
  }
  return static_cast<double>(wrong.item<std::int64_t>()) / static_cast<double>(size);
}

}  // namespace lenet
