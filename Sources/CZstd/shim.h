#ifndef DEVPROOF_CZSTD_SHIM_H
#define DEVPROOF_CZSTD_SHIM_H
#include <zstd.h>
#endif
