/*
 * chipweb's 32-bit XS driver: runs a Moddable app's lin build (mc.so) with
 * no window, so the app can be measured on 32-bit XS (the board's word
 * size: 16-byte slots) under qemu-i386, where mcsim (a GTK program) is not
 * available. It fills the screen record the SDK's simulator modules expect
 * (build/simulators/modules/screen.h, included from $MODDABLE at compile
 * time), launches the machine through mc.so's fxScreenLaunch, and runs a
 * GLib main loop (which drives the app's timers and sockets on lin),
 * calling the machine's idle hook every 16 ms as mcsim does per frame: that
 * hook prints the "instruments:" line once a second.
 *
 * Built and run by bench/moddable/xs32.ts (npm run measure:xs32).
 * Never: draw, read input, or run anything but the given mc.so.
 */
#include <dlfcn.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "screen.h"

static void driverAbort(txScreen* screen, int status)
{
	(void)screen;
	fprintf(stdout, "xs32-driver: XS abort, status %d\n", status);
	fflush(stdout);
	exit(2);
}

static void driverNothing(txScreen* screen)
{
	(void)screen;
}

static void driverPost(txScreen* screen, char* buffer, int size)
{
	(void)screen;
	(void)buffer;
	(void)size;
}

static void driverStart(txScreen* screen, double interval)
{
	(void)screen;
	(void)interval;
}

static gboolean driverIdle(gpointer data)
{
	txScreen* screen = (txScreen*)data;
	if (screen->idle)
		(*screen->idle)(screen);
	fflush(stdout);
	return TRUE;
}

int main(int argc, char** argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: xs32-driver mc.so\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* As under mcsim, whose GTK/GIO start-up ignores SIGPIPE: a write to a
	   socket the client reset fails ("write failed") instead of ending the process. */
	signal(SIGPIPE, SIG_IGN);
	void* library = dlopen(argv[1], RTLD_NOW);
	if (!library) {
		fprintf(stderr, "xs32-driver: %s\n", dlerror());
		return 1;
	}
	txScreenLaunchProc launch = (txScreenLaunchProc)dlsym(library, "fxScreenLaunch");
	if (!launch) {
		fprintf(stderr, "xs32-driver: %s\n", dlerror());
		return 1;
	}
	txScreen* screen = calloc(1, sizeof(txScreen) + 16);
	if (!screen)
		return 1;
	screen->abort = driverAbort;
	screen->bufferChanged = driverNothing;
	screen->formatChanged = driverNothing;
	screen->post = driverPost;
	screen->start = driverStart;
	screen->stop = driverNothing;
	screen->width = 0;
	screen->height = 0;
	mxCreateMutex(&screen->workersMutex);
	GMainLoop* loop = g_main_loop_new(NULL, FALSE);
	(*launch)(screen);
	g_timeout_add(16, driverIdle, screen);
	g_main_loop_run(loop);
	return 0;
}
