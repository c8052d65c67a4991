/* relayanim — see relayanim.h. Not written yet: relay shows the trace. */
#include "relayanim.h"

bool relayanim_possible(void)
{
    return false;
}

int relayanim_run(struct sim *s, int src_node, uint32_t dst, const struct sim_message_opts *mo,
                  const struct relayanim_opts *o)
{
    (void)s;
    (void)src_node;
    (void)dst;
    (void)mo;
    (void)o;
    return -1;
}
