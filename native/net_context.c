/* JNI glue of io.github.mbedtlsjni.NetContext: mbedtls_net_context. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_NetContext.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/*
 * mbedtls_net_connect() calls signal(SIGPIPE, SIG_IGN) (net_prepare() in net_sockets.c), which
 * would replace the JVM's own SIGPIPE handler for the whole process (-Xcheck:jni reports it, and
 * child processes would inherit "ignored"). The JVM's handler already ignores SIGPIPE, so that
 * call is dropped: the library is linked with -Wl,--wrap=signal -Wl,--wrap=__sysv_signal (glibc
 * names signal() so in strict POSIX mode, as net_sockets.c compiles), which routes Mbed TLS's
 * calls here. Every other call goes through unchanged.
 */
typedef void (*mj_sighandler)(int);
mj_sighandler __real_signal(int sig, mj_sighandler handler);
mj_sighandler __wrap_signal(int sig, mj_sighandler handler);
mj_sighandler __real___sysv_signal(int sig, mj_sighandler handler);
mj_sighandler __wrap___sysv_signal(int sig, mj_sighandler handler);

mj_sighandler __wrap_signal(int sig, mj_sighandler handler)
{
    if (sig == SIGPIPE && handler == SIG_IGN) {
        return SIG_IGN;
    }
    return __real_signal(sig, handler);
}

mj_sighandler __wrap___sysv_signal(int sig, mj_sighandler handler)
{
    if (sig == SIGPIPE && handler == SIG_IGN) {
        return SIG_IGN;
    }
    return __real___sysv_signal(sig, handler);
}

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_NetContext_nInit(JNIEnv *env, jclass cls)
{
    mj_net *n = mj_alloc(env, MJ_KIND_NET, sizeof *n);
    (void) cls;
    if (n == NULL) {
        return 0;
    }
    mbedtls_net_init(&n->net);
    atomic_init(&n->fd, -1);
    return MJ_HANDLE(n);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_NetContext_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    (void) env;
    (void) cls;
    mbedtls_net_free(&n->net);
    mj_release(MJ_KIND_NET, n);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_NetContext_nConnect(JNIEnv *env, jclass cls, jlong handle, jobject owner,
                                                                     jstring jhost, jstring jport)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    char *host, *port;
    int ret;
    (void) cls;
    (void) owner;

    host = mj_utf8(env, jhost);
    if (host == NULL) {
        return;
    }
    port = mj_utf8(env, jport);
    if (port == NULL) {
        free(host);
        return;
    }
    ret = mbedtls_net_connect(&n->net, host, port, MBEDTLS_NET_PROTO_TCP);
    if (ret != 0) {
        char where[300];
        snprintf(where, sizeof where, "%s port %s", host, port);
        mj_throw_mbedtls(env, ret, "mbedtls_net_connect", where);
    } else {
        atomic_store(&n->fd, n->net.fd);
    }
    free(host);
    free(port);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_NetContext_nShutdown(JNIEnv *env, jclass cls, jlong handle)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    int fd = atomic_load(&n->fd);
    (void) env;
    (void) cls;
    if (fd >= 0) {
        /* Wakes blocked recv()/send(); the descriptor itself stays open until mbedtls_net_free. */
        (void) shutdown(fd, SHUT_RDWR);
    }
}
