// expect: nothing for the GP to model
// A space of constants only encodes to no coordinates: gp_searcher refuses it
// when it is compiled (a dynamic space, at construction).
#include <rung/gp.hpp>
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::constant<"epochs">(10), rung::constant<"optimizer">("adam"));

void make() { (void)rung::gp_searcher(space); }
