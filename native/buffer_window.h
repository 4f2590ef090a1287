/*
 * A caller's buffer as one native call sees it: a range of a Java byte[] or of a direct
 * ByteBuffer, checked once, in C, against what the buffer really is (GetArrayLength,
 * GetDirectBufferCapacity, isReadOnly), whatever offset and length the Java side passed. After
 * mj_window_open succeeded, no later change to the buffer's position or limit (by another
 * thread, say) can move the window: the array's length and a direct buffer's address and
 * capacity never change. Used by the socket and the memory bio alike.
 */
#ifndef MJ_BUFFER_WINDOW_H
#define MJ_BUFFER_WINDOW_H

#include "jni_util.h"

struct mj_window {
    unsigned char *address; /* a direct buffer: the window's first byte; NULL for a byte[] */
    jbyteArray array;       /* a byte[]: read and written with Get/SetByteArrayRegion */
    jint offset;            /* a byte[]: the window's first index */
    size_t length;
    size_t used; /* bytes taken from (input) or written to (output) the window so far */
};

/* What the call does with the window: read from it, or write into it (no read-only buffer). */
enum mj_window_use { MJ_WINDOW_INPUT, MJ_WINDOW_OUTPUT };

/*
 * Opens buffer[offset .. offset+length) as w: buffer a byte[] or a direct ByteBuffer (for output
 * not a read-only one); a NULL buffer is an empty window. 0, or -1 with an exception pending:
 * IndexOutOfBoundsException for a range outside the buffer, ReadOnlyBufferException for output
 * into a read-only buffer, IllegalArgumentException for anything that is neither (a heap
 * ByteBuffer, which has no address: its array is passed instead).
 */
int mj_window_open(JNIEnv *env, jobject buffer, jint offset, jint length, enum mj_window_use use,
                   struct mj_window *w);

/* Copies n bytes at window position at into dst (at + n <= length). */
void mj_window_get(JNIEnv *env, const struct mj_window *w, size_t at, unsigned char *dst, size_t n);

/* Copies n bytes from src to window position at (at + n <= length). */
void mj_window_put(JNIEnv *env, const struct mj_window *w, size_t at, const unsigned char *src, size_t n);

#endif /* MJ_BUFFER_WINDOW_H */
