/* JNI glue of io.github.mbedtlsjni.NetContext: mbedtls_net_context. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include "jni_util.h"
#include "io_github_mbedtlsjni_NetContext.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/*
 * mbedtls_net_connect() sets SIGPIPE to SIG_IGN for the whole process (net_prepare() in
 * net_sockets.c), replacing the JVM's own handler, which child processes would then inherit as
 * "ignored". The JVM's handler is recorded once when the library loads (before any connect, and
 * never written again) and put back after every connect.
 */
static struct sigaction jvm_sigpipe;
static int have_jvm_sigpipe;

void mj_net_on_load(void)
{
    have_jvm_sigpipe = sigaction(SIGPIPE, NULL, &jvm_sigpipe) == 0;
}

static void restore_jvm_sigpipe(void)
{
    if (have_jvm_sigpipe) {
        (void) sigaction(SIGPIPE, &jvm_sigpipe, NULL);
    }
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
    restore_jvm_sigpipe();
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
