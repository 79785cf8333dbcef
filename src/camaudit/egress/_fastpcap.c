/* The compiled capture fast path of camaudit egress (see fastpath.py, its only caller).

   scan_pcap and scan_pcapng walk the records of a pcap chunk or the Enhanced Packet Blocks of a
   pcapng chunk. Each IPv4 TCP/UDP packet (Ethernet with any VLAN tags, raw IP, Linux cooked
   v1/v2, BSD loopback) is summed into an open-addressing table owned by the caller: per
   (client << 32 | server, proto << 17 | server port << 1 | server-to-client) the IP-layer bytes,
   the packets and the first and last timestamp. The lower port is the service, as in
   frames.frame. Packets that may carry names (UDP from port 53, TCP payloads starting like a
   TLS handshake or an HTTP request) are summed too and also listed as events; NetFlow exports
   and every other shape (IPv6, fragments, other protocols, short frames) are only listed as
   events, which Python reads in packet order with the general parser.

   Sans-I/O and read-only: the functions read the caller's bytes and write the caller's arrays,
   nothing else. Every read is bounded by the record's own end, which is checked against the
   chunk's size before the record is looked at. A call returns when the chunk is used up
   (STATUS_MORE), at a captured length over the limit (STATUS_CORRUPT), at a block that is not a
   plain Enhanced Packet Block (STATUS_BLOCK, pcapng), or before a record could overflow the
   table or the event list (STATUS_FULL); the caller handles that and calls again. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

enum { STATUS_MORE = 0, STATUS_CORRUPT = 1, STATUS_FULL = 2, STATUS_BLOCK = 3 };
enum { EV_FRAME = 0, EV_NETFLOW = 1, EV_DNS = 2, EV_NAME = 3 };
#define EV_WIDTH 9 /* n, kind, start, end, addr (link for EV_FRAME), payload, ip_end, sport, dport */
#define TAB_WIDTH 4 /* k1, k2 (-1: empty), bytes, packets; the timestamps are a float64 table */

typedef struct {
    const uint8_t *b;
    int64_t *tab;
    double *times;
    int64_t cap, used, max_used;
    int64_t *ev;
    double *ev_ts;
    int64_t ev_cap, nev;
    const uint8_t *nf; /* 65536-bit map of NetFlow ports, or NULL */
} Ctx;

static inline uint32_t be16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }

static inline uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint32_t rd32(const uint8_t *p, int little)
{
    if (little)
        return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
    return be32(p);
}

static void event(Ctx *c, int64_t n, int64_t kind, int64_t start, int64_t end, int64_t addr,
                  int64_t payload, int64_t ip_end, int64_t sport, int64_t dport, double ts)
{
    int64_t *row = c->ev + EV_WIDTH * c->nev;
    row[0] = n;
    row[1] = kind;
    row[2] = start;
    row[3] = end;
    row[4] = addr;
    row[5] = payload;
    row[6] = ip_end;
    row[7] = sport;
    row[8] = dport;
    c->ev_ts[c->nev] = ts;
    c->nev++;
}

static void account(Ctx *c, uint64_t k1, int64_t k2, int64_t nbytes, double ts)
{
    uint64_t h = k1 * 0x9E3779B97F4A7C15ULL ^ (uint64_t)k2 * 0xC2B2AE3D27D4EB4FULL;
    uint64_t mask = (uint64_t)c->cap - 1;
    uint64_t i = (h ^ (h >> 29)) & mask;
    for (;;) {
        int64_t *row = c->tab + TAB_WIDTH * i;
        double *t = c->times + 2 * i;
        if (row[1] == -1) {
            row[0] = (int64_t)k1;
            row[1] = k2;
            row[2] = nbytes;
            row[3] = 1;
            t[0] = t[1] = ts;
            c->used++;
            return;
        }
        if ((uint64_t)row[0] == k1 && row[1] == k2) {
            row[2] += nbytes;
            row[3]++;
            if (ts < t[0])
                t[0] = ts;
            if (ts > t[1])
                t[1] = ts;
            return;
        }
        i = (i + 1) & mask;
    }
}

static inline int http_first(uint8_t ch)
{
    return ch == 'G' || ch == 'P' || ch == 'H' || ch == 'O' || ch == 'D' || ch == 'C';
}

/* One captured frame b[p:end] of link type `link` (a supported one), packet number n. */
static void frame(Ctx *c, int64_t n, int64_t p, int64_t end, double ts, int64_t link)
{
    const uint8_t *b = c->b;
    int64_t q = p;
    uint32_t et;
    if (link == 1) {
        if (end - p < 34)
            goto slow;
        et = be16(b + p + 12);
        q = p + 14;
        while (et == 0x8100 || et == 0x88A8) {
            if (end - q < 24)
                goto slow;
            et = be16(b + q + 2);
            q += 4;
        }
    } else if (link == 101 || link == 12 || link == 228 || link == 229) {
        if (end - p < 20)
            goto slow;
        et = (b[p] >> 4) == 4 ? 0x0800 : 0x86DD;
    } else if (link == 113 || link == 276) {
        if (end - p < 20)
            goto slow;
        et = be16(b + p + (link == 113 ? 14 : 0));
        q = p + (link == 113 ? 16 : 20);
    } else if (link == 0) {
        if (end - p < 24)
            goto slow;
        et = (b[p] ? b[p] : b[p + 3]) == 2 ? 0x0800 : 0x86DD;
        q = p + 4;
    } else {
        goto slow;
    }
    if (et != 0x0800 || end - q < 20)
        goto slow;
    int64_t ihl = (int64_t)(b[q] & 15) << 2;
    if (ihl < 20 || (b[q + 6] & 0x1F) || b[q + 7])
        goto slow; /* short header field or a later fragment */
    int64_t plen = be16(b + q + 2);
    uint32_t proto = b[q + 9];
    int64_t l4 = q + ihl;
    if (!((proto == 17 && l4 + 8 <= end) || (proto == 6 && l4 + 20 <= end)))
        goto slow;
    int64_t ip_end = q + plen < end ? q + plen : end;
    uint32_t src = be32(b + q + 12), dst = be32(b + q + 16);
    uint32_t sport = be16(b + l4), dport = be16(b + l4 + 2);
    if (proto == 17) {
        if (c->nf && ((c->nf[dport >> 3] >> (dport & 7)) & 1)) {
            event(c, n, EV_NETFLOW, p, end, q + 12, l4 + 8, ip_end, sport, dport, ts);
            return;
        }
        if (sport == 53 && ip_end > l4 + 8)
            event(c, n, EV_DNS, p, end, q + 12, l4 + 8, ip_end, sport, dport, ts);
    } else {
        int64_t pl = l4 + ((int64_t)(b[l4 + 12] >> 4) << 2);
        if (pl < ip_end && (b[pl] == 0x16 || http_first(b[pl])))
            event(c, n, EV_NAME, p, end, q + 12, pl, ip_end, sport, dport, ts);
    }
    if (dport < sport || (dport == sport && src <= dst))
        account(c, ((uint64_t)src << 32) | dst, ((int64_t)proto << 17) | ((int64_t)dport << 1),
                plen, ts);
    else
        account(c, ((uint64_t)dst << 32) | src,
                ((int64_t)proto << 17) | ((int64_t)sport << 1) | 1, plen, ts);
    return;
slow:
    event(c, n, EV_FRAME, p, end, link, 0, 0, 0, 0, ts);
}

/* Check the caller's buffers and fill the context; 0 on success, -1 with an exception set. */
static int setup(Ctx *c, Py_buffer *buf, Py_ssize_t off, Py_ssize_t avail, Py_buffer *nf,
                 Py_buffer *tab, Py_buffer *times, int64_t used, Py_buffer *ev, Py_buffer *ev_ts)
{
    int64_t cap = tab->len / (Py_ssize_t)(TAB_WIDTH * sizeof(int64_t));
    if (off < 0 || avail < off || avail > buf->len) {
        PyErr_SetString(PyExc_ValueError, "offsets outside the buffer");
        return -1;
    }
    if (cap < 2 || (cap & (cap - 1)) || tab->len != cap * TAB_WIDTH * (Py_ssize_t)sizeof(int64_t)
        || times->len != cap * 2 * (Py_ssize_t)sizeof(double) || used < 0 || used >= cap) {
        PyErr_SetString(PyExc_ValueError, "table: a power of two of rows of 4 int64 and 2 float64");
        return -1;
    }
    int64_t ev_cap = ev->len / (Py_ssize_t)(EV_WIDTH * sizeof(int64_t));
    if (ev_cap < 1 || ev->len != ev_cap * EV_WIDTH * (Py_ssize_t)sizeof(int64_t)
        || ev_ts->len != ev_cap * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "events: rows of 9 int64 and one float64 each");
        return -1;
    }
    if (nf->len != 0 && nf->len != 8192) {
        PyErr_SetString(PyExc_ValueError, "netflow ports: empty or a 65536-bit map");
        return -1;
    }
    c->b = (const uint8_t *)buf->buf;
    c->tab = (int64_t *)tab->buf;
    c->times = (double *)times->buf;
    c->cap = cap;
    c->used = used;
    c->max_used = cap / 2;
    c->ev = (int64_t *)ev->buf;
    c->ev_ts = (double *)ev_ts->buf;
    c->ev_cap = ev_cap;
    c->nev = 0;
    c->nf = nf->len ? (const uint8_t *)nf->buf : NULL;
    return 0;
}

static void release(Py_buffer *a, Py_buffer *b, Py_buffer *c, Py_buffer *d, Py_buffer *e,
                    Py_buffer *f)
{
    PyBuffer_Release(a);
    PyBuffer_Release(b);
    PyBuffer_Release(c);
    PyBuffer_Release(d);
    PyBuffer_Release(e);
    PyBuffer_Release(f);
}

static inline int room(const Ctx *c) { return c->used < c->max_used && c->nev < c->ev_cap; }

static PyObject *scan_pcap(PyObject *self, PyObject *args)
{
    Py_buffer buf, nf, tab, times, ev, ev_ts;
    Py_ssize_t off, avail;
    int little;
    long long link, max_caplen, n, used;
    double unit;
    Ctx c;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*nnpLdLLy*w*w*Lw*w*", &buf, &off, &avail, &little, &link,
                          &unit, &max_caplen, &n, &nf, &tab, &times, &used, &ev, &ev_ts))
        return NULL;
    if (setup(&c, &buf, off, avail, &nf, &tab, &times, used, &ev, &ev_ts) < 0) {
        release(&buf, &nf, &tab, &times, &ev, &ev_ts);
        return NULL;
    }
    int status = STATUS_MORE;
    while (off + 16 <= avail) {
        if (!room(&c)) {
            status = STATUS_FULL;
            break;
        }
        const uint8_t *h = c.b + off;
        int64_t incl = rd32(h + 8, little);
        if (incl > max_caplen) {
            status = STATUS_CORRUPT;
            break;
        }
        if (off + 16 + incl > avail)
            break;
        n++;
        frame(&c, n, off + 16, off + 16 + incl,
              (double)rd32(h, little) + (double)rd32(h + 4, little) * unit, link);
        off += 16 + incl;
    }
    release(&buf, &nf, &tab, &times, &ev, &ev_ts);
    return Py_BuildValue("nLLLi", off, n, (long long)c.used, (long long)c.nev, status);
}

static PyObject *scan_pcapng(PyObject *self, PyObject *args)
{
    Py_buffer buf, nf, tab, times, ev, ev_ts, links, units;
    Py_ssize_t off, avail;
    int little;
    long long max_block, n, used;
    Ctx c;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*nnpy*y*LLy*w*w*Lw*w*", &buf, &off, &avail, &little, &links,
                          &units, &max_block, &n, &nf, &tab, &times, &used, &ev, &ev_ts))
        return NULL;
    Py_ssize_t nlinks = links.len / (Py_ssize_t)sizeof(int64_t);
    if (links.len != nlinks * (Py_ssize_t)sizeof(int64_t)
        || units.len != nlinks * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "links and units: one int64 and one float64 per interface");
        PyBuffer_Release(&links);
        PyBuffer_Release(&units);
        release(&buf, &nf, &tab, &times, &ev, &ev_ts);
        return NULL;
    }
    if (setup(&c, &buf, off, avail, &nf, &tab, &times, used, &ev, &ev_ts) < 0) {
        PyBuffer_Release(&links);
        PyBuffer_Release(&units);
        release(&buf, &nf, &tab, &times, &ev, &ev_ts);
        return NULL;
    }
    const int64_t *link_of = (const int64_t *)links.buf;
    const double *unit_of = (const double *)units.buf;
    int status = STATUS_MORE;
    while (off + 12 <= avail) {
        if (!room(&c)) {
            status = STATUS_FULL;
            break;
        }
        const uint8_t *h = c.b + off;
        int64_t blen = rd32(h + 4, little);
        if (rd32(h, little) != 6 || blen < 32 || blen % 4 || blen > max_block) {
            status = STATUS_BLOCK;
            break;
        }
        if (off + blen > avail)
            break;
        int64_t ifid = rd32(h + 8, little), incl = rd32(h + 20, little);
        if (ifid >= nlinks || 28 + incl > blen || link_of[ifid] < 0) {
            status = STATUS_BLOCK;
            break;
        }
        uint64_t stamp = ((uint64_t)rd32(h + 12, little) << 32) | rd32(h + 16, little);
        n++;
        frame(&c, n, off + 28, off + 28 + incl, (double)stamp * unit_of[ifid], link_of[ifid]);
        off += blen;
    }
    PyBuffer_Release(&links);
    PyBuffer_Release(&units);
    release(&buf, &nf, &tab, &times, &ev, &ev_ts);
    return Py_BuildValue("nLLLi", off, n, (long long)c.used, (long long)c.nev, status);
}

static PyMethodDef methods[] = {
    {"scan_pcap", scan_pcap, METH_VARARGS,
     "scan_pcap(buf, off, avail, little, link, unit, max_caplen, n, netflow_map, table, times, "
     "used, events, event_times) -> (off, n, used, events, status)"},
    {"scan_pcapng", scan_pcapng, METH_VARARGS,
     "scan_pcapng(buf, off, avail, little, links, units, max_block, n, netflow_map, table, "
     "times, used, events, event_times) -> (off, n, used, events, status)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastpcap", "The compiled capture fast path (see fastpath.py).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastpcap(void) { return PyModule_Create(&module); }
