/*
 * What the certificate and CRL glue share: a name, a time and an info text handed to Java as
 * Mbed TLS writes them.
 */
#ifndef MJ_X509_UTIL_H
#define MJ_X509_UTIL_H

#include "jni_util.h"

/* mbedtls_x509_dn_gets of name as a Java String; NULL with an exception pending. */
jstring mj_x509_name(JNIEnv *env, const mbedtls_x509_name *name);

/* A time's fields in out: year, month, day, hour, minute, second. */
void mj_x509_time_fields(const mbedtls_x509_time *t, jint out[6]);

/* A time as int[] {year, month, day, hour, minute, second}; NULL with an exception pending. */
jintArray mj_x509_time(JNIEnv *env, const mbedtls_x509_time *t);

/* One of Mbed TLS's info printers: mbedtls_x509_crt_info or mbedtls_x509_crl_info. */
typedef int (*mj_x509_info_fn)(char *buf, size_t size, const char *prefix, const void *object);

/*
 * info(buf, size, "", object) as a Java String, with a buffer grown until the text fits (a CRL
 * lists every revoked certificate); NULL with an exception pending.
 */
jstring mj_x509_info(JNIEnv *env, mj_x509_info_fn info, const void *object, const char *function);

/* --- Writing (x509_csr_writer.c, x509_crt_writer.c) ---------------------------------------------- */

#if MJ_HAS_CSR_WRITE || MJ_HAS_CRT_WRITE
#include "mbedtls/asn1.h"

/*
 * The extensions a CSR and a certificate writer share, as X509CsrWriter and X509CrtWriter pass
 * them: extendedKeyUsage (OIDs as DER contents) and subjectAltName (GeneralName tags of RFC 5280,
 * which are also Mbed TLS's MBEDTLS_X509_SAN_* values, with their bytes). Everything here is owned
 * by the struct: mj_x509_ext_free frees it on every path.
 */
struct mj_x509_ext {
    size_t eku_count;
    mbedtls_asn1_sequence *eku;  /* eku_count OIDs, linked, for mbedtls_x509write_crt_set_ext_key_usage */
    unsigned char *eku_der;      /* the extension's value, SEQUENCE OF OID (NULL: no extendedKeyUsage) */
    size_t eku_der_len;
    size_t san_count;
    unsigned char **san_values;  /* NUL-terminated copies (a directoryName is a DN string) */
    size_t *san_lengths;
    int *san_types;
#if MJ_HAS_SAN_WRITER
    mbedtls_x509_san_list *san;          /* entries, linked last to first: &san[san_count - 1] is the list's head */
    mbedtls_asn1_named_data **dirnames;  /* a directoryName's parsed DN, per entry (or NULL) */
#else
    unsigned char *san_der;              /* the extension's value, built here (2.28) */
    size_t san_der_len;
#endif
};

/* Fills *ext (zeroed first) from Java's arrays; 0, or -1 with an exception pending (*ext still freeable). */
int mj_x509_ext_read(JNIEnv *env, jobjectArray eku_oids, jintArray san_types, jobjectArray san_values,
                     struct mj_x509_ext *ext);
void mj_x509_ext_free(struct mj_x509_ext *ext);

#endif

#if MJ_HAS_CSR_WRITE || MJ_HAS_CRT_WRITE || MJ_HAS_PK_WRITE
/*
 * mbedtls_x509write_csr_der/_pem or mbedtls_x509write_crt_der/_pem on ctx (size: the buffer's),
 * or mbedtls_pk_write_pubkey_der (mj_x509_public_key_der).
 */
typedef int (*mj_x509_write_fn)(void *ctx, unsigned char *buf, size_t size, int pem, void *drbg);

/*
 * Writes with write() into a buffer grown until the result fits, and returns DER (the bytes
 * Mbed TLS wrote at the end of the buffer) or PEM (from the start, without the NUL); NULL with an
 * exception pending.
 */
jbyteArray mj_x509_write(JNIEnv *env, mj_x509_write_fn write, void *ctx, int pem, void *drbg, const char *function);
#endif

/*
 * The subjectAltName entries of a certificate or CSR as a byte[][], three elements per entry:
 * {kind}, first, second. kind is MBEDTLS_X509_SAN_* when mbedtls_x509_parse_subject_alt_name
 * parsed it, else 0x80 | the GeneralName tag number (first: the raw contents). Parsed:
 * unstructured names (DNS, URI, rfc822, IP) give their bytes; a hardware module name its hwType
 * OID, dotted, and its serial; a directoryName its mbedtls_x509_dn_gets text (SubjectAltName.of
 * reads them). NULL with an exception pending.
 */
jobjectArray mj_x509_subject_alt_names(JNIEnv *env, const mbedtls_x509_sequence *names);

/*
 * mj_x509_subject_alt_names with lead elements (left null, for the caller) before the entries:
 * any GeneralNames Mbed TLS kept as an mbedtls_x509_sequence (an authorityKeyIdentifier's
 * authorityCertIssuer).
 */
jobjectArray mj_x509_general_names(JNIEnv *env, const mbedtls_x509_sequence *names, jsize lead);

/* Room for an OID in dotted form: far more arcs than any OID Mbed TLS knows. */
#define MJ_OID_TEXT_MAX 512

/*
 * mbedtls_oid_get_numeric_string of oid into buf: its length, or -1 with MbedTlsException pending
 * (an OID Mbed TLS cannot write dotted, or one longer than size).
 */
int mj_x509_oid_text(JNIEnv *env, const mbedtls_x509_buf *oid, char *buf, size_t size);

/*
 * The attributes of a distinguished name as Mbed TLS parsed it (the mbedtls_x509_name list, in
 * order, without an empty name's head), four elements each: {val.tag, next_merged != 0}, the
 * OID dotted (ASCII), mbedtls_oid_get_attr_short_name (ASCII, or null when Mbed TLS has none),
 * the value's bytes. NULL with an exception pending.
 */
jobjectArray mj_x509_name_attributes(JNIEnv *env, const mbedtls_x509_name *name);

/*
 * mbedtls_pk_write_pubkey_der of pk (a certificate's or CSR's parsed key): the
 * SubjectPublicKeyInfo DER. NULL with an exception pending: UnsupportedOperationException
 * without MBEDTLS_PK_WRITE_C.
 */
jbyteArray mj_x509_public_key_der(JNIEnv *env, const mbedtls_pk_context *pk);

/*
 * One parse with an extension callback (X509Crt.parseDer and X509Csr.parseDer with an
 * X509ExtensionCallback): the thread's JNIEnv, the Java ExtensionCall adapter, and whether a
 * call failed (the callback threw, or no memory). A failure makes Mbed TLS's callback return
 * MBEDTLS_ERR_X509_FATAL_ERROR, which Mbed TLS ignores for a non-critical extension: the caller
 * checks failed after the parse and discards what was parsed.
 */
struct mj_ext_call {
    JNIEnv *env;
    jobject callback;
    int failed;
};

/*
 * Asks the Java callback about one extension Mbed TLS does not parse itself (its OID, critical
 * flag and the contents of its OCTET STRING, p to end): its answer (0 to accept, else an Mbed
 * TLS error code), or MBEDTLS_ERR_X509_FATAL_ERROR once a call has failed.
 */
int mj_x509_ext_call(struct mj_ext_call *call, const mbedtls_x509_buf *oid, int critical, const unsigned char *p,
                     const unsigned char *end);

#endif /* MJ_X509_UTIL_H */
