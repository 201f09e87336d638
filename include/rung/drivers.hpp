// Drivers: what feeds the decision core its events, the Asio tuner in real
// time and the simulator in virtual time.
#pragma once

#include "rung/drivers/simulator.hpp"
#include "rung/drivers/tabulated_benchmark.hpp"
#include "rung/drivers/tuner.hpp"
