/* JNI glue of io.github.mbedtlsjni.mbedtls.NetContext: mbedtls_net_context. */
#include "jni_util.h"
#include "io_github_mbedtlsjni_mbedtls_NetContext.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* getaddrinfo() for TCP as net_sockets.c asks it (AI_PASSIVE for a bind); 0 or non-zero. */
static int resolve_tcp(const char *host, const char *port, int passive, struct addrinfo **list)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    return getaddrinfo(host, port, &hints, list);
}

#if !defined(MJ_MBEDTLS_SHARED)
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

/* mbedtls_net_connect() itself (via compat.h): the wrappers above drop its signal() call. */
static int mj_net_connect(mbedtls_net_context *ctx, const char *host, const char *port)
{
    return mj_mbedtls_net_connect(ctx, host, port, MBEDTLS_NET_PROTO_TCP);
}

#else /* MJ_MBEDTLS_SHARED */
/*
 * Linked against a shared libmbedtls (-Dmbedtls.system=true), whose call to signal() the linker
 * cannot reroute; putting the JVM's handler back afterwards would leave a window that
 * -Xcheck:jni reports ("SIGPIPE handler modified"), and child processes started meanwhile would
 * inherit "ignored". So the connect is done here the way mbedtls_net_connect() does it
 * (net_sockets.c, identical in 2.28 and 3.6: getaddrinfo, then socket + connect per address
 * until one connects, with its error codes), without net_prepare()'s signal(SIGPIPE, SIG_IGN).
 */
static int mj_net_connect(mbedtls_net_context *ctx, const char *host, const char *port)
{
    struct addrinfo *list = NULL, *a;
    int ret = MBEDTLS_ERR_NET_UNKNOWN_HOST, err = 0;

    if (resolve_tcp(host, port, 0, &list) != 0) {
        return MBEDTLS_ERR_NET_UNKNOWN_HOST;
    }
    for (a = list; a != NULL; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            ret = MBEDTLS_ERR_NET_SOCKET_FAILED;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            ctx->fd = fd;
            ret = 0;
            break;
        }
        err = errno;
        (void) close(fd);
        ret = MBEDTLS_ERR_NET_CONNECT_FAILED;
    }
    freeaddrinfo(list);
    errno = err;
    return ret;
}
#endif /* MJ_MBEDTLS_SHARED */

/*
 * "HOST port PORT: REASON" into buf, REASON being the system's text for errno err (the last
 * address's failure), e.g. "Connection refused"; without it when err is 0. Mbed TLS's
 * MBEDTLS_ERR_NET_CONNECT_FAILED alone does not say why.
 */
static void describe_failure(char *buf, size_t len, const char *host, const char *port, int err)
{
    char reason[128] = "";
    if (err != 0) {
#if defined(_GNU_SOURCE)
        const char *text = strerror_r(err, reason, sizeof reason);
        if (text != reason) {
            snprintf(reason, sizeof reason, "%s", text);
        }
#else
        if (strerror_r(err, reason, sizeof reason) != 0) {
            snprintf(reason, sizeof reason, "errno %d", err);
        }
#endif
    }
    snprintf(buf, len, "%s port %s%s%s", host, port, reason[0] != '\0' ? ": " : "", reason);
}

JNIEXPORT jlong JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nInit(JNIEnv *env, jclass cls)
{
    mj_net *n = mj_alloc(env, MJ_KIND_NET, sizeof *n);
    (void) cls;
    if (n == NULL) {
        return 0;
    }
    mbedtls_net_init(&n->net);
    atomic_init(&n->fd, -1);
    atomic_init(&n->recv_timeout_ms, 0);
    atomic_init(&n->send_timeout_ms, 0);
    atomic_init(&n->deadline_ms, 0);
    return MJ_HANDLE(n);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nFree(JNIEnv *env, jclass cls, jlong handle)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    (void) env;
    (void) cls;
    mbedtls_net_free(&n->net);
    mj_release(MJ_KIND_NET, n);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nConnect(JNIEnv *env, jclass cls, jlong handle,
                                                                     jstring jhost, jstring jport)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    char *host, *port;
    int ret;
    (void) cls;

    host = mj_utf8(env, jhost);
    if (host == NULL) {
        return;
    }
    port = mj_utf8(env, jport);
    if (port == NULL) {
        free(host);
        return;
    }
    errno = 0;
    ret = mj_net_connect(&n->net, host, port);
    if (ret != 0) {
        char where[450];
        /* errno is the last connect()'s (or socket()'s) failure; name resolution has its own code. */
        describe_failure(where, sizeof where, host, port,
                         ret == MBEDTLS_ERR_NET_CONNECT_FAILED || ret == MBEDTLS_ERR_NET_SOCKET_FAILED ? errno : 0);
        mj_throw_mbedtls(env, ret, "mbedtls_net_connect", where);
    } else {
        atomic_store(&n->fd, n->net.fd);
    }
    free(host);
    free(port);
}

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nShutdown(JNIEnv *env, jclass cls, jlong handle)
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

/* --- Timeouts --------------------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until fd has the events, for at most timeout_ms (< 0: forever). Returns > 0 when ready,
 * 0 on timeout, < 0 on error (errno set). Restarts after EINTR with the time that is left.
 */
static int wait_for(int fd, short events, int timeout_ms)
{
    long long end = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
        int r = poll(&p, 1, timeout_ms);
        if (r >= 0 || errno != EINTR) {
            return r;
        }
        if (timeout_ms >= 0) {
            long long left = end - now_ms();
            timeout_ms = left > 0 ? (int) left : 0;
        }
    }
}

/* --- The non-blocking bio ----------------------------------------------------------------------- */

/*
 * mbedtls_net_send/_recv, but each call is non-blocking by itself (MSG_DONTWAIT) instead of
 * through O_NONBLOCK on the descriptor, which mbedtls_net_recv would query with fcntl() at every
 * would-block: the descriptor stays as mbedtls_net_connect left it. MSG_NOSIGNAL: a peer that
 * has gone raises EPIPE here, never SIGPIPE. The errno mapping is mbedtls_net_send/_recv's.
 */
static int would_block(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

int mj_net_send(void *ctx, const unsigned char *buf, size_t len)
{
    int fd = ((mj_net *) ctx)->net.fd;
    ssize_t r;
    if (fd < 0) {
        return MBEDTLS_ERR_NET_INVALID_CONTEXT;
    }
    r = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r >= 0) {
        return (int) r;
    }
    if (would_block(errno)) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

int mj_net_recv(void *ctx, unsigned char *buf, size_t len)
{
    int fd = ((mj_net *) ctx)->net.fd;
    ssize_t r;
    if (fd < 0) {
        return MBEDTLS_ERR_NET_INVALID_CONTEXT;
    }
    r = recv(fd, buf, len, MSG_DONTWAIT);
    if (r >= 0) {
        return (int) r;
    }
    if (would_block(errno)) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

int mj_net_wait(mj_net *n, enum mj_wait what)
{
    int timeout = atomic_load(what == MJ_WAIT_RECV ? &n->recv_timeout_ms : &n->send_timeout_ms);
    long long deadline = atomic_load(&n->deadline_ms);
    int fd = n->net.fd;
    int r;

    if (fd < 0) {
        return 0; /* the next call reports MBEDTLS_ERR_NET_INVALID_CONTEXT */
    }
    if (timeout <= 0) {
        timeout = -1;
    }
    if (deadline != 0) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            return MBEDTLS_ERR_SSL_TIMEOUT;
        }
        if (timeout < 0 || left < timeout) {
            timeout = left > INT_MAX ? INT_MAX : (int) left;
        }
    }
    /* Ready, at EOF, in error or shut down by close() (POLLHUP): the next call does not block. */
    r = wait_for(fd, what == MJ_WAIT_RECV ? POLLIN : POLLOUT, timeout);
    if (r == 0) {
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    return r < 0 ? MBEDTLS_ERR_NET_POLL_FAILED : 0;
}

/* Java's NetContext timeout kinds. */
enum { MJ_TIMEOUT_READ = 0, MJ_TIMEOUT_WRITE = 1, MJ_TIMEOUT_DEADLINE = 2 };

JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nSetTimeout(JNIEnv *env, jclass cls, jlong handle,
                                                                        jint kind, jint millis)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    (void) env;
    (void) cls;
    switch (kind) {
    case MJ_TIMEOUT_READ:
        atomic_store(&n->recv_timeout_ms, millis);
        break;
    case MJ_TIMEOUT_WRITE:
        atomic_store(&n->send_timeout_ms, millis);
        break;
    default:
        atomic_store(&n->deadline_ms, millis > 0 ? now_ms() + millis : 0);
        break;
    }
}

/* 0 connected, 1 timed out, -1 failed (errno set); *fd_out holds the connected socket. */
static int connect_one(const struct addrinfo *a, long long end, int *fd_out)
{
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    int flags, r, err = 0;
    socklen_t err_len = sizeof err;

    if (fd < 0) {
        return -1;
    }
    flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        goto fail;
    }
    r = connect(fd, a->ai_addr, a->ai_addrlen);
    if (r != 0) {
        long long left;
        if (errno != EINPROGRESS) {
            goto fail;
        }
        left = end - now_ms();
        r = left > 0 ? wait_for(fd, POLLOUT, left > INT_MAX ? INT_MAX : (int) left) : 0;
        if (r == 0) {
            close(fd);
            return 1;
        }
        if (r < 0) {
            goto fail;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) {
            goto fail;
        }
        if (err != 0) {
            errno = err;
            goto fail;
        }
    }
    /* Back to blocking, as mbedtls_net_connect leaves its sockets. */
    if (fcntl(fd, F_SETFL, flags) < 0) {
        goto fail;
    }
    *fd_out = fd;
    return 0;
fail:
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

/*
 * mbedtls_net_connect with a time limit: the same resolution and TCP connect, but non-blocking
 * with poll(), over all addresses within timeout_ms. Fills n->net.fd like mbedtls_net_connect.
 */
JNIEXPORT void JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nConnectTimeout(JNIEnv *env, jclass cls, jlong handle,
                                                                            jstring jhost, jstring jport,
                                                                            jint timeout_ms)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    struct addrinfo *list = NULL, *a;
    char *host, *port;
    char where[300];
    long long end = now_ms() + timeout_ms;
    int fd = -1, r = -1, timed_out = 0, err = 0;
    (void) cls;

    host = mj_utf8(env, jhost);
    if (host == NULL) {
        return;
    }
    port = mj_utf8(env, jport);
    if (port == NULL) {
        free(host);
        return;
    }
    snprintf(where, sizeof where, "%s port %s", host, port);
    if (resolve_tcp(host, port, 0, &list) != 0 || list == NULL) {
        mj_throw_mbedtls(env, MBEDTLS_ERR_NET_UNKNOWN_HOST, "mbedtls_net_connect", where);
        goto out;
    }
    for (a = list; a != NULL; a = a->ai_next) {
        r = connect_one(a, end, &fd);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            err = errno;
        }
        if (r == 1 || now_ms() >= end) {
            timed_out = 1;
            break;
        }
    }
    if (r == 0) {
        n->net.fd = fd;
        atomic_store(&n->fd, fd);
    } else if (timed_out) {
        char message[360];
        snprintf(message, sizeof message, "connect to %s timed out after %d ms", where, (int) timeout_ms);
        mj_throw_socket_timeout(env, message);
    } else {
        char failure[450];
        describe_failure(failure, sizeof failure, host, port, err);
        mj_throw_mbedtls(env, MBEDTLS_ERR_NET_CONNECT_FAILED, "mbedtls_net_connect", failure);
    }
out:
    if (list != NULL) {
        freeaddrinfo(list);
    }
    free(host);
    free(port);
}

/* --- Servers: bind and accept ------------------------------------------------------------------ */

/* Mbed TLS's listen() backlog is 10 (MBEDTLS_NET_LISTEN_BACKLOG): a burst of clients beyond it
 * would wait for SYN retransmissions, so the queue is widened to the system's limit. */
#define MJ_LISTEN_BACKLOG SOMAXCONN

static void set_cloexec(int fd)
{
    /* Sockets Mbed TLS opens lack FD_CLOEXEC: a child process started meanwhile (the JVM runs
     * programs) would keep a listening socket open. Best effort: the socket works either way. */
    int flags = fcntl(fd, F_GETFD, 0);
    if (flags >= 0) {
        (void) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

#if !defined(MJ_MBEDTLS_SHARED)
static int mj_net_bind(mbedtls_net_context *ctx, const char *address, const char *port)
{
    return mbedtls_net_bind(ctx, address, port, MBEDTLS_NET_PROTO_TCP);
}
#else
/* mbedtls_net_bind() done here for the reason of mj_net_connect above (net_sockets.c: the first
 * address that binds, SO_REUSEADDR, its error codes), without net_prepare()'s signal(). */
static int mj_net_bind(mbedtls_net_context *ctx, const char *address, const char *port)
{
    struct addrinfo *list = NULL, *a;
    int ret = MBEDTLS_ERR_NET_UNKNOWN_HOST, err = 0;

    if (resolve_tcp(address, port, address == NULL, &list) != 0) {
        return MBEDTLS_ERR_NET_UNKNOWN_HOST;
    }
    for (a = list; a != NULL; a = a->ai_next) {
        int one = 1, fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            ret = MBEDTLS_ERR_NET_SOCKET_FAILED;
            continue;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
            err = errno;
            (void) close(fd);
            ret = MBEDTLS_ERR_NET_SOCKET_FAILED;
            continue;
        }
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
            err = errno;
            (void) close(fd);
            ret = MBEDTLS_ERR_NET_BIND_FAILED;
            continue;
        }
        if (listen(fd, MBEDTLS_NET_LISTEN_BACKLOG) != 0) {
            err = errno;
            (void) close(fd);
            ret = MBEDTLS_ERR_NET_LISTEN_FAILED;
            continue;
        }
        ctx->fd = fd;
        ret = 0;
        break;
    }
    freeaddrinfo(list);
    errno = err;
    return ret;
}
#endif

/*
 * mbedtls_net_bind(&net, address, port, MBEDTLS_NET_PROTO_TCP) (address NULL: every interface),
 * then the listening socket is made non-blocking, so that accept waits in poll() (with its
 * timeout, and woken by shutdown() from close()) and a connection another thread took first
 * gives WANT_READ instead of blocking. Returns the port bound (useful for port 0).
 */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nBind(JNIEnv *env, jclass cls, jlong handle,
                                                                  jstring jaddress, jstring jport)
{
    mj_net *n = MJ_PTR(mj_net, handle);
    struct sockaddr_storage local;
    socklen_t local_len = sizeof local;
    char *address = NULL, *port;
    char where[300];
    int ret;
    (void) cls;

    if (jaddress != NULL && (address = mj_utf8(env, jaddress)) == NULL) {
        return 0;
    }
    port = mj_utf8(env, jport);
    if (port == NULL) {
        free(address);
        return 0;
    }
    snprintf(where, sizeof where, "%s port %s", address != NULL ? address : "*", port);
    errno = 0;
    ret = mj_net_bind(&n->net, address, port);
    if (ret != 0) {
        char failure[450];
        describe_failure(failure, sizeof failure, address != NULL ? address : "*", port,
                         ret == MBEDTLS_ERR_NET_UNKNOWN_HOST ? 0 : errno);
        mj_throw_mbedtls(env, ret, "mbedtls_net_bind", failure);
        goto out;
    }
    set_cloexec(n->net.fd);
    if (listen(n->net.fd, MJ_LISTEN_BACKLOG) != 0 || (ret = mbedtls_net_set_nonblock(&n->net)) != 0 ||
        getsockname(n->net.fd, (struct sockaddr *) &local, &local_len) != 0) {
        mbedtls_net_free(&n->net); /* back to the state before bind: fd -1 */
        mj_throw_mbedtls(env, MBEDTLS_ERR_NET_LISTEN_FAILED, "mbedtls_net_bind", where);
        goto out;
    }
    atomic_store(&n->fd, n->net.fd);
    ret = ntohs(local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &local)->sin6_port
                                            : ((struct sockaddr_in *) &local)->sin_port);
out:
    free(address);
    free(port);
    return ret;
}

/*
 * mbedtls_net_accept(&listen, &client, ip, sizeof ip, &ip_len), waiting in poll() for at most
 * timeout_ms (<= 0: forever). The peer's address goes into peer[0..ip_len) and its port into
 * peer[16..17] (big-endian); returns ip_len (4 or 16). A listening socket shut down by close()
 * wakes the poll, and accept then fails (MBEDTLS_ERR_NET_ACCEPT_FAILED).
 */
JNIEXPORT jint JNICALL Java_io_github_mbedtlsjni_mbedtls_NetContext_nAccept(JNIEnv *env, jclass cls, jlong handle,
                                                                    jlong client_handle, jint timeout_ms,
                                                                    jbyteArray peer)
{
    mj_net *n = MJ_PTR(mj_net, handle), *c = MJ_PTR(mj_net, client_handle);
    unsigned char ip[16];
    unsigned char out[18];
    struct sockaddr_storage remote;
    socklen_t remote_len = sizeof remote;
    size_t ip_len = 0;
    long long end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    int ret;
    (void) cls;

    if ((*env)->GetArrayLength(env, peer) < (jsize) sizeof out) {
        mj_throw_argument(env, "peer address buffer too short");
        return 0;
    }
    for (;;) {
        int wait = -1, r;
        if (timeout_ms > 0) {
            long long left = end - now_ms();
            if (left <= 0) {
                char message[80];
                snprintf(message, sizeof message, "accept timed out after %d ms", (int) timeout_ms);
                mj_throw_socket_timeout(env, message);
                return 0;
            }
            wait = left > INT_MAX ? INT_MAX : (int) left;
        }
        r = wait_for(n->net.fd, POLLIN, wait);
        if (r < 0) {
            mj_throw_mbedtls(env, MBEDTLS_ERR_NET_POLL_FAILED, "mbedtls_net_accept", NULL);
            return 0;
        }
        if (r == 0) {
            continue; /* the timeout, reported at the top */
        }
        ret = mbedtls_net_accept(&n->net, &c->net, ip, sizeof ip, &ip_len);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
            continue; /* another thread took it, or the client went before accept() */
        }
        if (ret != 0) {
            mj_throw_mbedtls(env, ret, "mbedtls_net_accept", NULL);
            return 0;
        }
        break;
    }
    set_cloexec(c->net.fd);
    atomic_store(&c->fd, c->net.fd);
    memset(out, 0, sizeof out);
    memcpy(out, ip, ip_len);
    if (getpeername(c->net.fd, (struct sockaddr *) &remote, &remote_len) == 0) {
        unsigned short p = ntohs(remote.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &remote)->sin6_port
                                                              : ((struct sockaddr_in *) &remote)->sin_port);
        out[16] = (unsigned char) (p >> 8);
        out[17] = (unsigned char) p;
    }
    (*env)->SetByteArrayRegion(env, peer, 0, (jsize) sizeof out, (const jbyte *) out);
    return (jint) ip_len;
}
