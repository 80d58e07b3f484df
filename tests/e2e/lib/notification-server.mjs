// A desktop notification server on the test's own session bus (org.freedesktop.Notifications,
// the Desktop Notifications Specification 1.2), as a desktop shell runs one: what the app
// shows is read where a user would see it, not from the app's log line written before it.
import dbus from "dbus-next";

const { Interface } = dbus.interface;

class Notifications extends Interface {
  constructor() {
    super("org.freedesktop.Notifications");
    this.next = 1;
  }
  GetCapabilities() {
    return ["body"];
  }
  Notify(app, _replacesId, _icon, summary, body) {
    console.log(JSON.stringify({ app, summary, body }));
    return this.next++;
  }
  CloseNotification() {}
  GetServerInformation() {
    return ["zoom-connections e2e", "zoom-connections", "1", "1.2"];
  }
}

Notifications.configureMembers({
  methods: {
    GetCapabilities: { inSignature: "", outSignature: "as" },
    Notify: { inSignature: "susssasa{sv}i", outSignature: "u" },
    CloseNotification: { inSignature: "u", outSignature: "" },
    GetServerInformation: { inSignature: "", outSignature: "ssss" },
  },
  signals: {
    NotificationClosed: { signature: "uu" },
    ActionInvoked: { signature: "us" },
  },
});

// Run as a process of its own (lib/notifications.mjs starts it): the tests block their own
// event loop on gdbus calls to the app, and a server in the same process could not answer the
// app meanwhile. Prints "ready", then one JSON line per notification shown.
const bus = dbus.sessionBus();
const server = new Notifications();
bus.export("/org/freedesktop/Notifications", server);
const reply = await bus.requestName("org.freedesktop.Notifications", dbus.NameFlag.DO_NOT_QUEUE);
if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) {
  console.error(`another notification server owns the name (${reply})`);
  process.exit(1);
}
console.log("ready");
