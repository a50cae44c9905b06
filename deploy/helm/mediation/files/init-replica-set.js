// Initiates the bundled MongoDB's replica set and creates (or updates) the services' user.
// Run by the chart's init Job with `mongosh --nodb`; does only what is missing, so it is safe
// to run again (every upgrade does). Exits non-zero, and the Job retries, until it succeeded.
const env = process.env;
const members = env.MEMBERS.split(",");
const databases = env.APP_DATABASES.split(",").filter((name) => name.length > 0);
const credentials =
  encodeURIComponent(env.ROOT_USERNAME) + ":" + encodeURIComponent(env.ROOT_PASSWORD) + "@";
const NOT_YET_INITIALIZED = 94;

function adminOf(hosts, options) {
  return new Mongo("mongodb://" + credentials + hosts + "/admin?authSource=admin&" + options)
    .getDB("admin");
}

function waitFor(what, check, attempts) {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      if (check()) return;
    } catch (error) {
      if (attempt === attempts) throw error;
    }
    sleep(2000);
  }
  throw new Error("gave up waiting for " + what);
}

for (const member of members) {
  waitFor(member, () => adminOf(member, "directConnection=true").runCommand({ ping: 1 }).ok === 1, 150);
  print("answers: " + member);
}

const first = adminOf(members[0], "directConnection=true");
const status = first.runCommand({ replSetGetStatus: 1 });
if (status.ok !== 1 && status.code === NOT_YET_INITIALIZED) {
  const config = {
    _id: env.REPLICA_SET,
    members: members.map((host, index) => ({ _id: index, host: host })),
  };
  const initiated = first.runCommand({ replSetInitiate: config });
  if (initiated.ok !== 1) throw new Error("replSetInitiate failed: " + tojson(initiated));
  print("replica set initiated: " + env.REPLICA_SET);
} else if (status.ok !== 1) {
  throw new Error("replSetGetStatus failed: " + tojson(status));
} else {
  print("replica set exists: " + status.set);
}

const replicaSet = adminOf(members.join(","), "replicaSet=" + env.REPLICA_SET);
waitFor("a primary", () => replicaSet.runCommand({ hello: 1 }).isWritablePrimary === true, 150);

const roles = databases.map((name) => ({ role: "readWrite", db: name }));
if (replicaSet.getUser(env.APP_USERNAME) === null) {
  replicaSet.createUser({ user: env.APP_USERNAME, pwd: env.APP_PASSWORD, roles: roles });
  print("user created: " + env.APP_USERNAME);
} else {
  replicaSet.updateUser(env.APP_USERNAME, { pwd: env.APP_PASSWORD, roles: roles });
  print("user updated: " + env.APP_USERNAME);
}
