#!/usr/bin/env python3
"""Closes a process's top-level X windows the way a window manager does when the user clicks the
title bar's close button: a WM_DELETE_WINDOW client message (ICCCM 4.2.8.1), which GTK turns
into delete-event and Tauri into CloseRequested. Xvfb runs no window manager, so the test sends
it itself. libX11 through ctypes: no package beyond the X libraries GTK already needs.

Usage: close-window.py PID   (exit 0: at least one window was asked to close)"""
import ctypes
import ctypes.util
import sys

X = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
Window = ctypes.c_ulong
Atom = ctypes.c_ulong


class ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", Window),
        ("message_type", Atom),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]


X.XOpenDisplay.restype = ctypes.c_void_p
X.XOpenDisplay.argtypes = [ctypes.c_char_p]
X.XDefaultRootWindow.restype = Window
X.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
X.XInternAtom.restype = Atom
X.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
X.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window), ctypes.POINTER(Window), ctypes.POINTER(ctypes.POINTER(Window)), ctypes.POINTER(ctypes.c_uint)]
X.XGetWindowProperty.argtypes = [
    ctypes.c_void_p, Window, Atom, ctypes.c_long, ctypes.c_long, ctypes.c_int, Atom,
    ctypes.POINTER(Atom), ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
    ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)),
]
X.XSendEvent.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
X.XFree.argtypes = [ctypes.c_void_p]
X.XFlush.argtypes = [ctypes.c_void_p]

pid = int(sys.argv[1])
display = X.XOpenDisplay(None)
if not display:
    sys.exit("close-window: no X display")
NET_WM_PID = X.XInternAtom(display, b"_NET_WM_PID", False)
WM_PROTOCOLS = X.XInternAtom(display, b"WM_PROTOCOLS", False)
WM_DELETE_WINDOW = X.XInternAtom(display, b"WM_DELETE_WINDOW", False)
XA_CARDINAL = 6


def window_pid(window):
    kind, fmt, count, after = Atom(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong()
    data = ctypes.POINTER(ctypes.c_ubyte)()
    if X.XGetWindowProperty(display, window, NET_WM_PID, 0, 1, False, XA_CARDINAL, ctypes.byref(kind), ctypes.byref(fmt), ctypes.byref(count), ctypes.byref(after), ctypes.byref(data)) != 0:
        return None
    try:
        return ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0] if count.value == 1 else None
    finally:
        if data:
            X.XFree(data)


root, parent = Window(), Window()
children, n = ctypes.POINTER(Window)(), ctypes.c_uint()
X.XQueryTree(display, X.XDefaultRootWindow(display), ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(n))
closed = 0
for i in range(n.value):
    window = children[i]
    if window_pid(window) != pid:
        continue
    event = XEvent()
    event.xclient.type = 33  # ClientMessage
    event.xclient.window = window
    event.xclient.message_type = WM_PROTOCOLS
    event.xclient.format = 32
    event.xclient.data[0] = WM_DELETE_WINDOW
    event.xclient.data[1] = 0  # CurrentTime
    X.XSendEvent(display, window, False, 0, ctypes.byref(event))
    closed += 1
X.XFlush(display)
sys.exit(0 if closed else f"close-window: no window of process {pid}")
