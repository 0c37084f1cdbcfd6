#ifndef DEVPROOF_CCURL_SHIM_H
#define DEVPROOF_CCURL_SHIM_H
// libcurl is loaded with dlopen on the first HTTP request, not linked: linking it makes every devproof run
// (most of which never touch the network) resolve libcurl and its ~25 dependent libraries (gnutls, ldap,
// kerberos, ssh2, ...) at start-up, about a third of a one-shot command's wall time. Only the types and
// constants come from <curl/curl.h>; every call goes through the table below.
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

struct devproof_curl_api {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
};

// State lives in function-local statics: the Swift importer emits the bodies of inline functions it uses
// (with their local statics) but not file-scope static variables of a system-module header.
struct devproof_curl_state {
    pthread_once_t once;
    int loaded;
    char error[256];
    struct devproof_curl_api api;
};
static inline struct devproof_curl_state *devproof_curl_state(void) {
    static struct devproof_curl_state s = { PTHREAD_ONCE_INIT, 0, "", { 0 } };
    return &s;
}

static void devproof_curl_load_once(void) {
    struct devproof_curl_state *s = devproof_curl_state();
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(s->error, sizeof s->error, "%s", e ? e : "dlopen(libcurl.so.4) failed");
        return;
    }
#define DEVPROOF_CURL_SYM(field, name) \
    *(void **)(&s->api.field) = dlsym(h, name); \
    if (s->api.field == NULL) { snprintf(s->error, sizeof s->error, "libcurl.so.4 lacks %s", name); return; }
    DEVPROOF_CURL_SYM(global_init, "curl_global_init")
    DEVPROOF_CURL_SYM(easy_init, "curl_easy_init")
    DEVPROOF_CURL_SYM(easy_cleanup, "curl_easy_cleanup")
    DEVPROOF_CURL_SYM(easy_perform, "curl_easy_perform")
    DEVPROOF_CURL_SYM(easy_strerror, "curl_easy_strerror")
    DEVPROOF_CURL_SYM(easy_setopt, "curl_easy_setopt")
    DEVPROOF_CURL_SYM(easy_getinfo, "curl_easy_getinfo")
    DEVPROOF_CURL_SYM(slist_append, "curl_slist_append")
    DEVPROOF_CURL_SYM(slist_free_all, "curl_slist_free_all")
#undef DEVPROOF_CURL_SYM
    s->loaded = 1;
}

/// Loads libcurl once (thread-safe). 1 when usable; otherwise devproof_curl_load_error() says why.
static inline int devproof_curl_load(void) {
    struct devproof_curl_state *s = devproof_curl_state();
    pthread_once(&s->once, devproof_curl_load_once);
    return s->loaded;
}
static inline const char *devproof_curl_load_error(void) { return devproof_curl_state()->error; }
#define devproof_curl (devproof_curl_state()->api)

// Typed entry points (Swift cannot call C variadic functions). Valid only after devproof_curl_load() == 1.
static inline CURLcode devproof_curl_global_init(long flags) { return devproof_curl.global_init(flags); }
static inline CURL *devproof_curl_easy_init(void) { return devproof_curl.easy_init(); }
static inline void devproof_curl_easy_cleanup(CURL *c) { devproof_curl.easy_cleanup(c); }
static inline CURLcode devproof_curl_easy_perform(CURL *c) { return devproof_curl.easy_perform(c); }
static inline const char *devproof_curl_easy_strerror(CURLcode rc) { return devproof_curl.easy_strerror(rc); }
static inline struct curl_slist *devproof_curl_slist_append(struct curl_slist *l, const char *s) { return devproof_curl.slist_append(l, s); }
static inline void devproof_curl_slist_free_all(struct curl_slist *l) { devproof_curl.slist_free_all(l); }
static inline CURLcode devproof_curl_setopt_long(CURL *c, CURLoption o, long v) { return devproof_curl.easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_ptr(CURL *c, CURLoption o, const void *v) { return devproof_curl.easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_str(CURL *c, CURLoption o, const char *v) { return devproof_curl.easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_slist(CURL *c, CURLoption o, struct curl_slist *v) { return devproof_curl.easy_setopt(c, o, v); }
static inline CURLcode devproof_curl_setopt_off(CURL *c, CURLoption o, curl_off_t v) { return devproof_curl.easy_setopt(c, o, v); }
typedef size_t (*devproof_curl_write_cb)(char *, size_t, size_t, void *);
static inline CURLcode devproof_curl_setopt_writefn(CURL *c, CURLoption o, devproof_curl_write_cb f) { return devproof_curl.easy_setopt(c, o, f); }
typedef int (*devproof_curl_xferinfo_cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode devproof_curl_setopt_xferinfofn(CURL *c, devproof_curl_xferinfo_cb f) { return devproof_curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f); }
static inline CURLcode devproof_curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return devproof_curl.easy_getinfo(c, i, v); }
static inline CURLcode devproof_curl_getinfo_double(CURL *c, CURLINFO i, double *v) { return devproof_curl.easy_getinfo(c, i, v); }
#endif
