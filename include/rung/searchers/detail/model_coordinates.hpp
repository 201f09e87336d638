// The coordinates a density model works in: one per hyperparameter that has
// something to model (constants and one-value domains have not). A numeric
// hyperparameter (real, integer, ordinal) keeps its unit-cube coordinate; a
// categorical one becomes its category's index, read from the one-hot group.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "rung/concepts/config_space.hpp"

namespace rung::detail {

struct model_dimension {
  std::size_t offset = 0;      // its first coordinate in the space's encoding
  std::size_t categories = 0;  // > 0: categorical, one-hot over this many coordinates
  double min_bandwidth = 0;    // the kernel's narrowest width
};

// A discrete numeric dimension's kernel is at least half a cell wide, so
// that draws around a value also reach its neighbours.
template <std::ranges::range Encoding>
std::vector<model_dimension> model_dimensions(const Encoding& encoding, double min_bandwidth) {
  std::vector<model_dimension> dims;
  for (const encoded_hyperparameter& described : encoding) {
    if (described.width == 0 || described.num_values == std::optional<std::uint64_t>{1}) continue;
    model_dimension dim{.offset = described.offset, .min_bandwidth = min_bandwidth};
    if (described.kind == encoded_kind::categorical) {
      dim.categories = described.width;
    } else if (described.num_values) {
      dim.min_bandwidth = std::max(min_bandwidth, 0.5 / static_cast<double>(*described.num_values));
    }
    dims.push_back(dim);
  }
  return dims;
}

inline void to_model(std::span<const model_dimension> dims, std::span<const double> encoded, double* out) {
  for (const auto& dim : dims) {
    const double* first = encoded.data() + dim.offset;
    *out++ = dim.categories == 0 ? first[0]
                                 : static_cast<double>(std::max_element(first, first + dim.categories) - first);
  }
}

// `encoded` holds encoded_size() zeros or a previous point: every modelled coordinate is written.
inline void to_encoded(std::span<const model_dimension> dims, const double* model, std::span<double> encoded) {
  for (const auto& dim : dims) {
    const double value = *model++;
    if (dim.categories == 0) {
      encoded[dim.offset] = value;
    } else {
      for (std::size_t k = 0; k < dim.categories; ++k) {
        encoded[dim.offset + k] = static_cast<std::size_t>(value) == k ? 1.0 : 0.0;
      }
    }
  }
}

}  // namespace rung::detail
