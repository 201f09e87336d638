// Fashion-MNIST from its IDX files (gzipped or not), as Debian's
// dataset-fashion-mnist installs them under /usr/share/datasets/fashion-mnist.
// Images become float tensors N x 1 x 28 x 28 in [0, 1] (d2l's ToTensor),
// labels int64 tensors of N class indices. Like d2l, the test set serves as
// the validation set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <torch/types.h>

namespace lenet {

inline constexpr std::int64_t image_side = 28;
inline constexpr std::int64_t num_classes = 10;
inline constexpr std::int64_t full_train_size = 60000;
inline constexpr std::int64_t full_validation_size = 10000;

struct labelled_images {
  torch::Tensor images;  // float, N x 1 x 28 x 28
  torch::Tensor labels;  // int64, N

  [[nodiscard]] std::int64_t size() const { return labels.size(0); }
  [[nodiscard]] labelled_images to(const torch::Device& device) const;
};

struct fashion_mnist {
  labelled_images train;
  labelled_images validation;  // the test set, as d2l uses it
};

// Reads the first `count` images (labels) of an IDX file. A file that is not
// an IDX file of the right kind, holds fewer items, or is cut short or
// corrupt gives std::runtime_error naming the file.
torch::Tensor read_idx_images(const std::filesystem::path& file, std::int64_t count);
torch::Tensor read_idx_labels(const std::filesystem::path& file, std::int64_t count);

// The first train_size training and validation_size test images of the
// data set in `directory`, which holds train-images-idx3-ubyte[.gz] and its
// three siblings. A missing directory or file is an error that says how to
// get the data (Debian's dataset-fashion-mnist, or --data-dir).
fashion_mnist load_fashion_mnist(const std::filesystem::path& directory, std::int64_t train_size,
                                 std::int64_t validation_size);

// The data set on one device, shared read-only by every trial there.
struct device_data {
  torch::Device device;
  fashion_mnist data;
};

// Copies `data` to each device once: trials then never copy from the host.
std::vector<std::shared_ptr<const device_data>> copy_to_devices(const fashion_mnist& data,
                                                                const std::vector<torch::Device>& devices);

}  // namespace lenet
