/*
 * The user code of seed 002 (the C original), compiled as written there. The
 * only changes are what a C compiler needs: the braces the seed's web page
 * lost, <unistd.h> for getpid() and write(), and the path as a macro (the
 * Makefile builds it for /dev/signalconfpid too). Its bugs (printf() in a
 * signal handler, uninitialised sa_mask) are kept on purpose: this program
 * checks that the module still serves the seed's client unchanged.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#ifndef SIGNALCONFPID
#define SIGNALCONFPID "/sys/kernel/debug/signalconfpid"
#endif
#define SIG_TEST 44 /* we define our own signal, hard coded since SIGRTMIN is different in user and in kernel space */
void receiveData(int n, siginfo_t *info, void *unused) {
    printf("received value %i\n", info->si_int);
}
int main ( int argc, char **argv )
{
    int configfd;
    char buf[10];
    /* setup the signal handler for SIG_TEST
      * SA_SIGINFO -> we want the signal handler function with 3 arguments
      */
    struct sigaction sig;
    sig.sa_sigaction = receiveData;
    sig.sa_flags = SA_SIGINFO;
    sigaction(SIG_TEST, &sig, NULL);
    /* kernel needs to know our pid to be able to send us a signal ->
      * we use debugfs for this -> do not forget to mount the debugfs!
      */
    configfd = open(SIGNALCONFPID, O_WRONLY);
    if(configfd < 0) {
        return -1;
    }
    sprintf(buf, "%i", getpid());
    if (write(configfd, buf, strlen(buf) + 1) < 0) {
        return -1;
    }
    return 0;
}
