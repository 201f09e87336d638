// GPU rotation for trials run as programs, as Syne Tune's LocalBackend does
// it: free GPUs first, then the ones assigned least often, lowest first.
#include "rung/drivers/subprocess/gpu_rotation.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

namespace test_gpu_rotation {

using gpus = std::vector<int>;

TEST_CASE("gpu_rotation: one GPU per trial, free ones first, then the least assigned") {
  rung::gpu_rotation rotation({.devices = {0, 1, 2}});
  REQUIRE(rotation.enabled());
  CHECK(rotation.acquire(0) == gpus{0});
  CHECK(rotation.acquire(1) == gpus{1});
  CHECK(rotation.acquire(2) == gpus{2});
  // None free: every GPU was assigned once, the lowest wins the tie.
  CHECK(rotation.acquire(3) == gpus{0});
  rotation.release(1);
  CHECK(rotation.acquire(4) == gpus{1});  // free again
  rotation.release(2);
  rotation.release(0);  // GPU 0 still held by trial 3
  // GPU 2 is free and was assigned once; GPU 0 is busy.
  CHECK(rotation.acquire(5) == gpus{2});
  // None free: GPU 0 was assigned twice, 1 twice, 2 twice: lowest.
  CHECK(rotation.acquire(6) == gpus{0});
  rotation.release(42);  // holds nothing: ignored
}

TEST_CASE("gpu_rotation: free GPUs assigned least often come first") {
  rung::gpu_rotation rotation({.devices = {0, 1}});
  CHECK(rotation.acquire(0) == gpus{0});
  rotation.release(0);
  // Both free; GPU 0 was used once, GPU 1 never.
  CHECK(rotation.acquire(1) == gpus{1});
  CHECK(rotation.acquire(2) == gpus{0});
}

TEST_CASE("gpu_rotation: several GPUs per trial, from a chosen subset") {
  rung::gpu_rotation rotation({.devices = {4, 5, 6, 7}, .gpus_per_trial = 2});
  CHECK(rotation.acquire(0) == gpus{4, 5});
  CHECK(rotation.acquire(1) == gpus{6, 7});
  CHECK(rung::gpu_rotation::visible_devices(rotation.acquire(2)) == "4,5");
  rotation.release(1);
  CHECK(rotation.acquire(3) == gpus{6, 7});
}

TEST_CASE("gpu_rotation: no devices means CUDA_VISIBLE_DEVICES is left alone; bad settings are named") {
  CHECK_FALSE(rung::gpu_rotation({}).enabled());
  CHECK_THROWS_WITH_AS(rung::gpu_rotation({.devices = {0, 1}, .gpus_per_trial = 3}),
                       "gpu_options.gpus_per_trial = 3: must be between 1 and the number of devices (2)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::gpu_rotation({.devices = {0}, .gpus_per_trial = 0}),
                       "gpu_options.gpus_per_trial = 0: must be between 1 and the number of devices (1)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::gpu_rotation({.devices = {0, 1, 0}}), "gpu_options.devices = 0: a GPU is listed twice",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::gpu_rotation({.devices = {-1}}), "gpu_options.devices = -1: a GPU number is >= 0",
                       std::invalid_argument);
}

}  // namespace test_gpu_rotation
