// wakeup_latency: what one thread hand-off costs on this machine, the unit nng 1.5's
// poller → task thread dispatch pays for every packet that arrives on a quiet socket
// (docs/performance.md). A waker pinned to one CPU sleeps for a gap (so the CPUs go
// idle, as at light load), stamps the clock and wakes a thread blocked on a futex,
// pinned to the same CPU or to the other one; the woken thread stamps its clock.
// Prints p50/p99/p99.9/max of stamp-to-running per placement.
//
//   wakeup_latency [--rounds N] [--gap-us U]
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

void pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// One placement: returns the wake-up latencies in microseconds.
std::vector<double> measure(int waker_cpu, int wakee_cpu, int rounds,
                            std::chrono::microseconds gap)
{
    std::atomic<std::uint32_t> turn{0};
    std::atomic<std::int64_t> stamp{0};
    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(rounds));

    std::thread wakee([&] {
        pin_to(wakee_cpu);
        for (std::uint32_t seen = 0; seen < static_cast<std::uint32_t>(rounds);) {
            turn.wait(seen, std::memory_order_acquire);  // futex wait, no spinning
            seen = turn.load(std::memory_order_acquire);
            const auto now = clock_type::now().time_since_epoch().count();
            latencies.push_back(static_cast<double>(now - stamp.load()) / 1000.0);
        }
    });
    pin_to(waker_cpu);
    for (int i = 0; i < rounds; ++i) {
        std::this_thread::sleep_for(gap);
        stamp.store(clock_type::now().time_since_epoch().count());
        turn.fetch_add(1, std::memory_order_release);
        turn.notify_one();
    }
    wakee.join();
    return latencies;
}

double at(const std::vector<double>& sorted, double q)
{
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * sorted.size()))];
}

void report(const char* placement, std::vector<double> latencies)
{
    std::sort(latencies.begin(), latencies.end());
    std::printf("%-22s p50 %7.1f  p99 %7.1f  p99.9 %7.1f  max %8.1f  (us, %zu wakes)\n",
                placement, at(latencies, 0.5), at(latencies, 0.99), at(latencies, 0.999),
                latencies.back(), latencies.size());
}

[[noreturn]] void usage(const char* why)
{
    std::fprintf(stderr, "wakeup_latency: %s\nusage: wakeup_latency [--rounds N] [--gap-us U]\n",
                 why);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv)
{
    int rounds = 20000;
    long gap_us = 200;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
        char* end = nullptr;
        const long value = std::strtol(argv[++i], &end, 10);
        if (*end != '\0' || value <= 0) usage(("not a positive number: " + flag).c_str());
        if (flag == "--rounds") rounds = static_cast<int>(value);
        else if (flag == "--gap-us") gap_us = value;
        else usage(("unknown option " + flag).c_str());
    }
    const int cpus = static_cast<int>(std::thread::hardware_concurrency());
    const std::chrono::microseconds gap{gap_us};
    std::printf("%d rounds, %ld us idle between wakes, %d CPUs\n", rounds, gap_us, cpus);
    report("same CPU (0 -> 0)", measure(0, 0, rounds, gap));
    if (cpus > 1) report("other CPU (0 -> 1)", measure(0, 1, rounds, gap));
    return 0;
}
