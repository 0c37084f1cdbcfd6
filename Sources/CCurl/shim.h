#ifndef DEVPROOF_CCURL_SHIM_H
#define DEVPROOF_CCURL_SHIM_H
#include <curl/curl.h>
// curl_easy_setopt / getinfo are variadic macros-ish functions; give Swift typed entry points.
static inline CURLcode devproof_curl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_ptr(CURL *c, CURLoption o, const void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_str(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_off(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }
typedef size_t (*devproof_curl_write_cb)(char *, size_t, size_t, void *);
static inline CURLcode devproof_curl_setopt_writefn(CURL *c, CURLoption o, devproof_curl_write_cb f) { return curl_easy_setopt(c, o, f); }
typedef int (*devproof_curl_xferinfo_cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode devproof_curl_setopt_xferinfofn(CURL *c, devproof_curl_xferinfo_cb f) { return curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f); }
static inline CURLcode devproof_curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode devproof_curl_getinfo_double(CURL *c, CURLINFO i, double *v) { return curl_easy_getinfo(c, i, v); }
#endif
