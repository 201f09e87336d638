#include "device_packs.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "devices.hpp"
#include "lenet_model.hpp"

namespace lenet {

device_packs::device_packs(const fashion_mnist& data, const torch::Device& device, std::size_t packs,
                           std::size_t pack_size)
    : data_(data), device_(device), pack_size_(pack_size) {
  if (pack_size < 1) throw std::invalid_argument("--pack 0: a pack holds at least one trial");
  if (packs < 1) throw std::invalid_argument("--pack " + std::to_string(pack_size) + ": no pack to train in");
  for (std::size_t k = 0; k < packs; ++k) {
    packs_.push_back(std::make_unique<member_pack>());
    packs_.back()->model.emplace(data_, device_);
  }
}

device_packs::member_pack& device_packs::least_loaded() {
  return **std::min_element(packs_.begin(), packs_.end(),
                            [](const auto& a, const auto& b) { return a->requests.size() < b->requests.size(); });
}

std::size_t device_packs::most_packed() {
  const std::lock_guard lock(mutex_);
  return most_packed_;
}

std::optional<double> device_packs::train_epoch(packed_member_state& member, std::function<bool()> interrupted) {
  member_epoch_request request;
  request.id = member.id;
  request.interrupted = std::move(interrupted);
  request.state = std::move(member);
  std::unique_lock lock(mutex_);
  member_pack& chosen = least_loaded();
  chosen.requests.push_back(&request);
  chosen.joining.fetch_add(1, std::memory_order_relaxed);
  while (!request.done) {
    if (chosen.driven) {
      changed_.wait(lock);
    } else {
      drive(chosen, lock);
    }
  }
  std::erase(chosen.requests, &request);
  if (request.state) member = std::move(*request.state);
  if (request.error) std::rethrow_exception(request.error);
  return request.mean_loss;
}

void device_packs::drive(member_pack& pack, std::unique_lock<std::mutex>& lock) {
  pack.driven = true;
  std::vector<member_epoch_request*> training;
  for (auto* request : pack.requests) {
    if (!request->in_pack && !request->done) {
      pack.joining.fetch_sub(1, std::memory_order_relaxed);
      try {
        pack.model->join(*request->state);  // a copy (tensors share storage): refused, it stays the caller's
        request->state.reset();
        request->in_pack = true;
      } catch (const std::invalid_argument& refused) {
        request->error = std::make_exception_ptr(
            std::invalid_argument("--pack " + std::to_string(pack_size_) + ": " + refused.what()));
        request->done = true;
        continue;
      }
    }
    if (request->in_pack) training.push_back(request);
  }
  most_packed_ = std::max(most_packed_, training.size());
  // The requests in `training` stay valid while the lock is released: their
  // threads wait until this driver marks them done.
  const auto interrupted = [&] {
    return pack.joining.load(std::memory_order_relaxed) > 0 ||
           std::any_of(training.begin(), training.end(), [](const auto* request) { return request->interrupted(); });
  };
  std::vector<member_epoch> ended;
  std::exception_ptr failed;
  lock.unlock();
  try {
    ended = pack.model->train(interrupted);
  } catch (...) {
    failed = std::current_exception();
  }
  // The next driver's thread (and the members' own, validating) may queue on
  // another CUDA stream: what this one queued must be done first.
  synchronize(device_);
  lock.lock();

  const auto finish = [&](member_epoch_request& request) {
    request.in_pack = false;
    request.done = true;
  };
  if (failed) {
    // The pack's state is unknown: every member fails with the error, and the pack starts empty.
    for (auto* request : training) {
      request->error = failed;
      finish(*request);
    }
    pack.model.emplace(data_, device_);
  }
  for (const auto& epoch : ended) {
    // Only the members in `training` are in the pack.
    const auto request = std::find_if(training.begin(), training.end(), [&](auto* r) { return r->id == epoch.id; });
    if (epoch.failure) {
      (*request)->error = std::make_exception_ptr(diverged(*epoch.failure));  // it has left the pack already
    } else {
      (*request)->state = pack.model->leave(epoch.id);
      (*request)->mean_loss = epoch.mean_loss;
    }
    finish(**request);
  }
  for (auto* request : training) {
    if (request->done || !request->interrupted()) continue;
    request->state = pack.model->leave(request->id);
    finish(*request);
  }
  pack.driven = false;
  changed_.notify_all();
}

}  // namespace lenet
