#ifndef DEVPROOF_CZLIB_SHIM_H
#define DEVPROOF_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro (it passes the version and struct size); Swift cannot call macros.
static inline int devproof_inflate_init_gzip(z_stream *s) { return inflateInit2(s, 16 + MAX_WBITS); }
#endif
