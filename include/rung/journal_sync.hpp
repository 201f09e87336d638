// How hard the journal (journal.jsonl) is pushed to the disk: what a power
// loss or a kernel crash can take away. Under every policy each event is one
// complete line, written with one write(2) before the tuner acts on it (the
// MPI driver's rank 0 writes the lines of a batch of messages with one
// write(2), before it sends any decision they led to), so a
// crash of the process alone (kill -9, a segfault, the OOM killer) loses
// nothing recorded: the line is in the kernel's page cache, and the kernel
// writes it out on its own. The policies differ in what the disk holds when
// the machine itself goes down:
//
//   none         no fsync. Linux writes dirty pages back once they are older
//                than vm.dirty_expire_centisecs (30 s by default), checked
//                every vm.dirty_writeback_centisecs (5 s): a power loss can
//                take the events of the last ~30-35 s, and within the first
//                ~30 s of a tuning the new journal.jsonl and metadata.json
//                themselves.
//   periodic     as none, and fdatasync at each flush of results.csv (every
//                tuner_options::results_update_interval seconds, 10 s by
//                default) and at the end; metadata.json and the directory
//                entries are synced as they are created. A power loss can
//                take the events of the last interval.
//   every_event  fdatasync after each line, before the tuner acts on the
//                event (a report's decision reaches the trial after its line
//                is on the disk). A power loss can take only the event being
//                written, which nothing has acted upon. Costs one disk flush
//                per event.
//
// What survives a power loss is a prefix of the lines; it may end in a line
// cut short or in zero bytes (file systems differ). Resuming cuts that tail
// off and says so; damage anywhere else is an error naming the line. All of
// this assumes a disk that honours flushes (a volatile write cache without
// power-loss protection can lose more).
#pragma once

#include <cstdint>
#include <string_view>

namespace rung {

enum class journal_sync : std::uint8_t { none, periodic, every_event };

[[nodiscard]] constexpr std::string_view to_string(journal_sync sync) noexcept {
  switch (sync) {
    case journal_sync::none: return "none";
    case journal_sync::periodic: return "periodic";
    case journal_sync::every_event: return "every_event";
  }
  return "?";
}

}  // namespace rung
