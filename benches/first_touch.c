/* How fast this machine gives a process fresh memory: maps GIB GiB of anonymous memory, writes
 * one byte per 4 KiB page (each write a page fault the kernel answers with a zeroed page), then
 * writes them all again (no faults). A run's peak memory is memory it touches for the first
 * time, so on a machine where the first touch is slow, the run pays for its peak.
 *
 *   gcc -O2 -o /tmp/first_touch benches/first_touch.c && /tmp/first_touch 2 && /tmp/first_touch 14
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double seconds_since(struct timespec start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
}

static double touch_every_page(char *memory, size_t bytes, char value) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (size_t at = 0; at < bytes; at += 4096) memory[at] = value;
    return seconds_since(start);
}

int main(int argc, char **argv) {
    if (argc != 2 || atol(argv[1]) <= 0) {
        fprintf(stderr, "usage: %s GIB\n", argv[0]);
        return 2;
    }
    size_t gib = (size_t)atol(argv[1]), bytes = gib << 30;
    char *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    double first = touch_every_page(memory, bytes, 1);
    double again = touch_every_page(memory, bytes, 2);
    printf("%zu GiB: first touch %.2f s (%.2f GiB/s), touched again %.3f s\n", gib, first,
           gib / first, again);
    return 0;
}
