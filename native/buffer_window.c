/* Windows on the caller's buffers, checked in C: see buffer_window.h. */
#include "buffer_window.h"

#include <stdio.h>
#include <string.h>

static int out_of_bounds(JNIEnv *env, jint offset, jint length, jlong size)
{
    char message[160];
    snprintf(message, sizeof message, "the window at offset %d of %d bytes is outside the buffer of %lld bytes",
             (int) offset, (int) length, (long long) size);
    (*env)->ThrowNew(env, mj_jni.index_out_of_bounds, message);
    return -1;
}

int mj_window_open(JNIEnv *env, jobject buffer, jint offset, jint length, enum mj_window_use use,
                   struct mj_window *w)
{
    jlong size;
    memset(w, 0, sizeof *w);
    if (buffer == NULL) {
        return 0;
    }
    if ((*env)->IsInstanceOf(env, buffer, mj_jni.byte_array)) {
        size = (*env)->GetArrayLength(env, (jarray) buffer);
        w->array = (jbyteArray) buffer;
    } else {
        /* NULL for anything but a direct java.nio.Buffer, and for a direct buffer without memory. */
        w->address = (*env)->GetDirectBufferAddress(env, buffer);
        size = w->address != NULL ? (*env)->GetDirectBufferCapacity(env, buffer) : -1;
        if (w->address == NULL || size < 0) {
            mj_throw_argument(env, "neither a byte[] nor a direct ByteBuffer with native memory");
            return -1;
        }
        if (use == MJ_WINDOW_OUTPUT) {
            jboolean read_only = (*env)->CallBooleanMethod(env, buffer, mj_jni.buffer_is_read_only);
            if ((*env)->ExceptionCheck(env)) {
                return -1;
            }
            if (read_only) {
                (*env)->ThrowNew(env, mj_jni.read_only_buffer, NULL);
                return -1;
            }
        }
    }
    /* In 64 bits: offset + length cannot overflow. */
    if (offset < 0 || length < 0 || (jlong) offset + (jlong) length > size) {
        return out_of_bounds(env, offset, length, size);
    }
    if (w->address != NULL) {
        w->address += offset;
    }
    w->offset = offset;
    w->length = (size_t) length;
    return 0;
}

void mj_window_get(JNIEnv *env, const struct mj_window *w, size_t at, unsigned char *dst, size_t n)
{
    if (w->address != NULL) {
        memcpy(dst, w->address + at, n);
    } else {
        (*env)->GetByteArrayRegion(env, w->array, w->offset + (jint) at, (jsize) n, (jbyte *) dst);
    }
}

void mj_window_put(JNIEnv *env, const struct mj_window *w, size_t at, const unsigned char *src, size_t n)
{
    if (w->address != NULL) {
        memcpy(w->address + at, src, n);
    } else {
        (*env)->SetByteArrayRegion(env, w->array, w->offset + (jint) at, (jsize) n, (const jbyte *) src);
    }
}
