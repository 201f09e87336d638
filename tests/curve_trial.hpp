// The resume tests' workload: learning curves that cross, so that early
// rungs judge otherwise than the end does. A high y learns fast and stalls,
// a low one starts badly and keeps improving. Each epoch yields the
// io_context, so that with several workers the trials' reports interleave,
// and a trial goes on from resume_from() as a checkpointed one would.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <functional>
#include <type_traits>

#include "rung/reporter.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace rung_test {

inline constexpr auto curve_space =
    rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::uniform<"y">(0.05, 1.0));
using curve_config = decltype(curve_space)::config_type;
using curve_searcher = rung::random_search<std::remove_const_t<decltype(curve_space)>>;
inline constexpr std::int64_t curve_epochs = 9;  // rungs 1 and 3 with eta 3

struct curve_trial {
  std::function<void(rung::decision)> after_report = [](rung::decision) {};  // hears each report's decision

  rung::awaitable<void> operator()(const curve_config& c, rung::async_reporter& reporter) const {
    const double x = c.get<"x">();
    const double y = c.get<"y">();
    for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= curve_epochs; ++epoch) {
      co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
      const double loss = x * x + 2.0 * (1.0 - y) / (1.0 + 3.0 * y * static_cast<double>(epoch));
      const auto decision = co_await reporter.report(static_cast<double>(epoch), loss);
      after_report(decision);
      if (decision != rung::decision::continue_trial) co_return;
    }
  }
};

}  // namespace rung_test
