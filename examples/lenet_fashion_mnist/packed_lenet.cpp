#include "packed_lenet.hpp"

#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "devices.hpp"

namespace lenet {

namespace {

struct lenet_parameter {
  std::string name;  // as make_lenet's named_parameters() names it ("0.weight")
  std::vector<std::int64_t> shape;
};

// What a member must have to join a pack: make_lenet's parameters.
const std::vector<lenet_parameter>& lenet_parameters() {
  static const std::vector<lenet_parameter> parameters = [] {
    std::vector<lenet_parameter> list;
    for (const auto& item : make_lenet(0)->named_parameters()) list.push_back({item.key(), item.value().sizes().vec()});
    return list;
  }();
  return parameters;
}

std::string shape_text(torch::IntArrayRef shape) {
  std::ostringstream text;
  text << shape;
  return text.str();
}

// make_lenet's forward pass for N members at once. `images` is [B, N, 28,
// 28], member i's images in channel i; `parameters` are make_lenet's,
// stacked [N, ...]. Returns the logits, [N, B, 10].
torch::Tensor packed_forward(const torch::Tensor& images, const std::vector<torch::Tensor>& parameters) {
  const auto& p = parameters;
  const std::int64_t members = p[0].size(0);
  const std::int64_t batch = images.size(0);
  const std::int64_t one = 1;
  const std::int64_t none = 0;
  const std::int64_t two = 2;  // conv 1's padding
  auto x = torch::conv2d(images, p[0].flatten(0, 1), p[1].flatten(), /*stride=*/one, /*padding=*/two,
                         /*dilation=*/one, /*groups=*/members);
  x = torch::avg_pool2d(torch::sigmoid(x), 2, 2);
  x = torch::conv2d(x, p[2].flatten(0, 1), p[3].flatten(), one, none, one, members);
  x = torch::avg_pool2d(torch::sigmoid(x), 2, 2);
  // [B, N x 16, 5, 5] -> [N, B, 400]: each member's features in Flatten's order.
  x = x.reshape({batch, members, -1}).transpose(0, 1);
  // Dense layers: x [N, B, in] times each member's weight [out, in], transposed.
  x = torch::sigmoid(torch::baddbmm(p[5].unsqueeze(1), x, p[4].transpose(1, 2)));
  x = torch::sigmoid(torch::baddbmm(p[7].unsqueeze(1), x, p[6].transpose(1, 2)));
  return torch::baddbmm(p[9].unsqueeze(1), x, p[8].transpose(1, 2));
}

// A stacked parameter as a leaf the next backward() fills, with `gradient`.
torch::Tensor stacked_leaf(const torch::Tensor& values, const torch::Tensor& gradient) {
  auto leaf = values.detach().requires_grad_(true);
  leaf.mutable_grad() = gradient;
  return leaf;
}

// The shape that broadcasts one value per member over a stacked tensor.
std::vector<std::int64_t> per_member_shape(const torch::Tensor& stacked) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(stacked.dim()), 1);
  shape[0] = stacked.size(0);
  return shape;
}

}  // namespace

packed_member_state packed_member_from(std::int64_t id, const training_settings& settings,
                                       const torch::nn::Sequential& model, const torch::Device& device) {
  packed_member_state member;
  member.id = id;
  member.settings = settings;
  member.generator = make_generator(device, settings.seed);
  const torch::NoGradGuard no_grad;
  for (const auto& parameter : model->parameters()) {
    member.parameters.push_back(parameter.detach().to(device).clone());
    member.gradients.push_back(torch::zeros_like(member.parameters.back()));
  }
  return member;
}

packed_member_state make_packed_member(std::int64_t id, const training_settings& settings, const torch::Device& device) {
  return packed_member_from(id, settings, make_lenet(settings.seed), device);
}

double validation_error(const fashion_mnist& data, const packed_member_state& member) {
  // Big minibatches, as lenet_training evaluates: no gradients are kept.
  constexpr std::int64_t evaluation_batch = 1000;
  const torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> alone;  // a pack of one
  for (const auto& parameter : member.parameters) alone.push_back(parameter.unsqueeze(0));
  const std::int64_t size = data.validation.size();
  auto wrong = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(data.validation.labels.device()));
  for (std::int64_t start = 0; start < size; start += evaluation_batch) {
    const std::int64_t end = std::min(start + evaluation_batch, size);
    const auto predicted = packed_forward(data.validation.images.slice(0, start, end), alone)[0].argmax(1);
    wrong += predicted.ne(data.validation.labels.slice(0, start, end)).sum();
  }
  return static_cast<double>(wrong.item<std::int64_t>()) / static_cast<double>(size);
}

packed_lenet::packed_lenet(const fashion_mnist& data, const torch::Device& device, pack_options options)
    : data_(data), device_(device), options_(options) {
  if (options.chunk_images < 0) {
    throw std::invalid_argument("pack_options.chunk_images = " + std::to_string(options.chunk_images) +
                                ": must be 0 (the smallest batch size in the pack) or more");
  }
}

void packed_lenet::join(packed_member_state member) {
  const std::string who = "packed_lenet::join: member " + std::to_string(member.id);
  for (const auto& other : members_) {
    if (other.id == member.id) throw std::invalid_argument(who + " is in the pack already");
  }
  if (member.settings.batch_size < 1) {
    throw std::invalid_argument(who + ": batch_size = " + std::to_string(member.settings.batch_size) +
                                ": must be at least 1");
  }
  const auto& expected = lenet_parameters();
  const std::string same_architecture = ": only LeNets of the same architecture train packed";
  if (member.parameters.size() != expected.size() || member.gradients.size() != expected.size()) {
    throw std::invalid_argument(who + " has " + std::to_string(member.parameters.size()) + " parameters and " +
                                std::to_string(member.gradients.size()) + " gradients, the pack's LeNets " +
                                std::to_string(expected.size()) + same_architecture);
  }
  for (std::size_t k = 0; k < expected.size(); ++k) {
    for (const auto* tensor : {&member.parameters[k], &member.gradients[k]}) {
      if (tensor->sizes() != torch::IntArrayRef(expected[k].shape)) {
        throw std::invalid_argument(who + ": " + (tensor == &member.parameters[k] ? "parameter " : "gradient of ") +
                                    expected[k].name + " has shape " + shape_text(tensor->sizes()) +
                                    ", the pack's LeNets " + shape_text(expected[k].shape) + same_architecture);
      }
    }
  }
  if (member.order.defined() && member.order.size(0) != data_.train.size()) {
    throw std::invalid_argument(who + ": its epoch order covers " + std::to_string(member.order.size(0)) +
                                " images, the pack trains on " + std::to_string(data_.train.size()));
  }
  if (member.generator.device() != device_) {
    throw std::invalid_argument(who + ": its generator is on " + member.generator.device().str() +
                                ", the pack on " + device_.str());
  }
  add_row(member);
  member.parameters.clear();
  member.gradients.clear();
  members_.push_back(std::move(member));
}

void packed_lenet::add_row(const packed_member_state& member) {
  const torch::NoGradGuard no_grad;
  const bool first = parameters_.empty();
  std::vector<torch::Tensor> stacked;
  for (std::size_t k = 0; k < member.parameters.size(); ++k) {
    const auto row = member.parameters[k].to(device_).unsqueeze(0);
    const auto gradient_row = member.gradients[k].to(device_).unsqueeze(0);
    if (first) {
      stacked.push_back(stacked_leaf(row.clone(), gradient_row.clone()));
      continue;
    }
    const auto& gradient = parameters_[k].grad();
    stacked.push_back(stacked_leaf(
        torch::cat({parameters_[k].detach(), row}),
        torch::cat({gradient.defined() ? gradient : torch::zeros_like(parameters_[k]), gradient_row})));
  }
  parameters_ = std::move(stacked);
  const auto loss_row = torch::full({1}, member.epoch_loss_sum, torch::TensorOptions().device(device_));
  loss_sums_ = first ? loss_row : torch::cat({loss_sums_, loss_row});
}

void packed_lenet::keep_rows(const std::vector<std::int64_t>& rows) {
  std::vector<packed_member_state> kept_members;
  for (const auto row : rows) kept_members.push_back(std::move(members_[static_cast<std::size_t>(row)]));
  members_ = std::move(kept_members);
  if (rows.empty()) {
    parameters_.clear();
    loss_sums_ = torch::Tensor();
    return;
  }
  const torch::NoGradGuard no_grad;
  const auto index = torch::tensor(rows, torch::kInt64).to(device_);
  for (auto& parameter : parameters_) {
    const auto kept = parameter.detach().index_select(0, index);
    const auto& gradient = parameter.grad();
    parameter = stacked_leaf(kept, gradient.defined() ? gradient.index_select(0, index) : torch::zeros_like(kept));
  }
  loss_sums_ = loss_sums_.index_select(0, index);
}

std::size_t packed_lenet::row_of(std::int64_t id) const {
  for (std::size_t row = 0; row < members_.size(); ++row) {
    if (members_[row].id == id) return row;
  }
  throw std::invalid_argument("packed_lenet: no member " + std::to_string(id) + " in the pack");
}

packed_member_state packed_lenet::leave(std::int64_t id) {
  const std::size_t row = row_of(id);
  const auto index = static_cast<std::int64_t>(row);
  packed_member_state member = std::move(members_[row]);
  {
    const torch::NoGradGuard no_grad;
    for (const auto& parameter : parameters_) {
      member.parameters.push_back(parameter[index].detach().clone());
      const auto& gradient = parameter.grad();
      member.gradients.push_back(gradient.defined() ? gradient[index].clone()
                                                    : torch::zeros_like(member.parameters.back()));
    }
    member.epoch_loss_sum = loss_sums_[index].item<double>();
  }
  std::vector<std::int64_t> others;
  for (std::size_t other = 0; other < members_.size(); ++other) {
    if (other != row) others.push_back(static_cast<std::int64_t>(other));
  }
  keep_rows(others);
  return member;
}

std::vector<std::size_t> packed_lenet::step() {
  const std::int64_t size = data_.train.size();
  const auto count = static_cast<std::int64_t>(members_.size());
  // A member whose epoch ended (or never began) draws its next order, as
  // lenet_training does at the start of each epoch.
  for (auto& member : members_) {
    if (member.order.defined() && member.next_image < size) continue;
    member.order =
        torch::randperm(size, member.generator, torch::TensorOptions().dtype(torch::kInt64).device(device_));
    member.next_image = member.minibatch_begin = 0;
    member.minibatch_end = std::min(member.settings.batch_size, size);
  }
  std::int64_t chunk = options_.chunk_images;
  if (chunk == 0) {
    chunk = std::min_element(members_.begin(), members_.end(), [](const auto& a, const auto& b) {
              return a.settings.batch_size < b.settings.batch_size;
            })->settings.batch_size;
  }
  std::vector<std::int64_t> takes;
  for (const auto& member : members_) takes.push_back(std::min(chunk, member.minibatch_end - member.next_image));
  const std::int64_t width = *std::max_element(takes.begin(), takes.end());

  // Member i's chunk, padded to `width` with copies of its first image, and
  // the loss weights that make the sum over its chunks its minibatch's mean
  // (0 for padding).
  std::vector<torch::Tensor> columns;
  std::vector<float> weights(static_cast<std::size_t>(count * width), 0.0F);
  std::vector<float> minibatch_sizes;
  for (std::int64_t i = 0; i < count; ++i) {
    const auto& member = members_[static_cast<std::size_t>(i)];
    const std::int64_t take = takes[static_cast<std::size_t>(i)];
    auto column = member.order.slice(0, member.next_image, member.next_image + take);
    if (take < width) column = torch::cat({column, column.slice(0, 0, 1).expand({width - take})});
    columns.push_back(column);
    const auto minibatch_size = static_cast<float>(member.minibatch_end - member.minibatch_begin);
    minibatch_sizes.push_back(minibatch_size);
    std::fill_n(weights.begin() + i * width, take, 1.0F / minibatch_size);
  }
  // Image j of member i is row j * N + i: the images come out channel-stacked.
  const auto indices = torch::stack(columns, 1).view(-1);
  const auto images = data_.train.images.index_select(0, indices).view({width, count, image_side, image_side});
  const auto labels = data_.train.labels.index_select(0, indices).view({width, count}).t();
  const auto logits = packed_forward(images, parameters_);
  namespace F = torch::nn::functional;
  const auto losses = F::cross_entropy(logits.reshape({count * width, num_classes}), labels.reshape(-1),
                                       F::CrossEntropyFuncOptions().reduction(torch::kNone))
                          .view({count, width});
  // Summed over members, each member's gradient stays its own.
  const auto member_losses = (losses * torch::tensor(weights).view({count, width}).to(device_)).sum(1);
  member_losses.sum().backward();
  loss_sums_ += member_losses.detach() * torch::tensor(minibatch_sizes).to(device_);

  // SGD for the members whose minibatch is complete; the others keep
  // summing their gradients.
  std::vector<float> rates;
  std::vector<float> keeps;
  for (std::int64_t i = 0; i < count; ++i) {
    const auto& member = members_[static_cast<std::size_t>(i)];
    const bool steps = member.next_image + takes[static_cast<std::size_t>(i)] == member.minibatch_end;
    rates.push_back(steps ? static_cast<float>(member.settings.learning_rate) : 0.0F);
    keeps.push_back(steps ? 0.0F : 1.0F);
  }
  const bool all_step = std::all_of(keeps.begin(), keeps.end(), [](float keep) { return keep == 0; });
  const bool any_steps = std::any_of(keeps.begin(), keeps.end(), [](float keep) { return keep == 0; });
  if (any_steps) {
    const torch::NoGradGuard no_grad;
    const auto rate = torch::tensor(rates).to(device_);
    const auto keep = torch::tensor(keeps).to(device_);
    for (auto& parameter : parameters_) {
      auto& gradient = parameter.mutable_grad();
      const auto shape = per_member_shape(parameter);
      parameter.addcmul_(gradient, rate.view(shape), -1);
      if (all_step) {
        gradient.reset();  // the next backward() writes instead of adding
      } else {
        gradient.mul_(keep.view(shape));
      }
    }
  }

  std::vector<std::size_t> ended;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto& member = members_[i];
    member.next_image += takes[i];
    if (member.next_image < member.minibatch_end) continue;
    if (member.next_image == size) {
      ++member.epochs_trained;
      ended.push_back(i);
    } else {
      member.minibatch_begin = member.next_image;
      member.minibatch_end = std::min(member.next_image + member.settings.batch_size, size);
    }
  }
  return ended;
}

std::vector<member_epoch> packed_lenet::train(const std::function<bool()>& interrupted) {
  std::vector<std::size_t> rows;
  while (!members_.empty() && rows.empty()) {
    if (interrupted()) return {};
    rows = step();
  }
  std::vector<member_epoch> ended;
  std::vector<std::int64_t> staying;
  for (std::size_t row = 0; row < members_.size(); ++row) {
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) {
      staying.push_back(static_cast<std::int64_t>(row));
      continue;
    }
    const auto& member = members_[row];
    auto loss_sum = loss_sums_[static_cast<std::int64_t>(row)];
    member_epoch epoch{.id = member.id,
                       .epoch = member.epochs_trained,
                       .mean_loss = loss_sum.item<double>() / static_cast<double>(data_.train.size()),
                       .failure = std::nullopt};
    loss_sum.zero_();
    if (std::isfinite(epoch.mean_loss)) {
      staying.push_back(static_cast<std::int64_t>(row));
    } else {
      epoch.failure = "training diverged: the loss of epoch " + std::to_string(epoch.epoch) + " is " +
                      std::to_string(epoch.mean_loss) + " (learning_rate " +
                      std::to_string(member.settings.learning_rate) + ", batch_size " +
                      std::to_string(member.settings.batch_size) + ")";
    }
    ended.push_back(std::move(epoch));
  }
  if (staying.size() < members_.size()) keep_rows(staying);
  return ended;
}

std::vector<std::int64_t> packed_lenet::member_ids() const {
  std::vector<std::int64_t> ids;
  for (const auto& member : members_) ids.push_back(member.id);
  return ids;
}

}  // namespace lenet
