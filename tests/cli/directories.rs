//! Real directories for the LDAP and Active Directory adapter tests: an OpenLDAP `slapd`
//! per test (its own temp directory, free loopback ports, optional TLS from a test CA),
//! and one Samba AD DC shared by the whole test process (it binds the standard ports, so
//! only one can run; each test works in its own OU). Both are read and written with the
//! OpenLDAP command-line tools, never through our adapter.
//!
//! `slapd` and `samba` are found through `ONBOARD_TEST_SLAPD` / `ONBOARD_TEST_SAMBA`
//! (default `/usr/sbin/…`, as Debian installs them; `scripts/install-test-peers` does).
//! Without them a test skips with a loud message, except under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::peers::{find_peer, free_port};

/// The suffix of every test slapd.
pub const BASE: &str = "dc=globex,dc=example";
/// Its root DN (used only to seed and read, never by onboard).
pub const ROOT_DN: &str = "cn=admin,dc=globex,dc=example";
/// Its root password.
pub const ROOT_PW: &str = "root-password-for-seeding";
/// The service account onboard binds as.
pub const SERVICE_DN: &str = "cn=onboard,ou=services,dc=globex,dc=example";

fn run(command: &mut Command, input: Option<&str>) -> String {
    use std::io::Write;
    let mut child = command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    // Written from another thread: the tool answers while it reads, and a large LDIF
    // would otherwise fill both pipes.
    let writer = input.map(|input| {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        std::thread::spawn(move || stdin.write_all(input.as_bytes()))
    });
    let output = child.wait_with_output().unwrap();
    if let Some(writer) = writer {
        writer.join().unwrap().unwrap();
    }
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A test CA and a server certificate for `127.0.0.1` and `localhost`, made once per
/// test process with openssl.
pub struct TestCa {
    /// The CA certificate (PEM): what a tenant's `ca_file:` names.
    pub ca: PathBuf,
    /// The server certificate (PEM).
    pub cert: PathBuf,
    /// The server key (PEM).
    pub key: PathBuf,
}

/// Removes the test CAs of earlier test processes that are gone (`ldap-ca-PID` whose
/// PID no longer runs), so runs do not pile them up.
fn remove_stale_cas(tmp: &Path) {
    for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("ldap-ca-")) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Returns the process's test CA.
pub fn test_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ldap-ca-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        remove_stale_cas(dir.parent().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        run(
            Command::new("openssl")
                .current_dir(&dir)
                .args(["req", "-x509"])
                .args(ec)
                .args(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"])
                .args(["-subj", "/CN=onboard test CA"])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
            None,
        );
        run(
            Command::new("openssl")
                .current_dir(&dir)
                .arg("req")
                .args(ec)
                .args(["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]),
            None,
        );
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(
            Command::new("openssl")
                .current_dir(&dir)
                .args(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key"])
                .args(["-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"]),
            None,
        );
        // Samba refuses a key file others can read.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        TestCa {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    })
}

/// How a test slapd is set up.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlapdOptions {
    /// Let the service account page past the size limit (`size.prtotal=unlimited`), as a
    /// directory set up for onboard would; without it OpenLDAP's default (500 entries in
    /// all, paged or not) applies.
    pub unlimited_paging: bool,
    /// Also listen on LDAPS and offer StartTLS, with a certificate from [`test_ca`].
    pub tls: bool,
    /// Keep the service account from writing `userPassword` (it may by default, as a
    /// directory set up for onboard's credential rotation lets it).
    pub deny_password_writes: bool,
}

/// A running `slapd` with its own database, stopped by PID when dropped.
pub struct Slapd {
    child: Child,
    /// The program, its configuration and the URLs it listens on: what a restart needs.
    command: (PathBuf, PathBuf, String),
    _dir: TempDir,
    /// Its plain (and StartTLS) port on 127.0.0.1.
    pub port: u16,
    /// Its LDAPS port, when started with TLS.
    pub tls_port: u16,
}

impl Slapd {
    /// Starts a slapd whose service account has `service_password`, seeded with the base
    /// entries; `None` when slapd is not installed (outside CI).
    pub fn start(service_password: &str, options: SlapdOptions) -> Option<Slapd> {
        let program = find_peer(
            crate::peers::ONBOARD_TEST_SLAPD,
            PathBuf::from("/usr/sbin/slapd"),
            "OpenLDAP slapd",
        )?;
        let dir = TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let tls = if options.tls {
            let ca = test_ca();
            format!(
                "TLSCACertificateFile {}\nTLSCertificateFile {}\nTLSCertificateKeyFile {}\n",
                ca.ca.display(),
                ca.cert.display(),
                ca.key.display()
            )
        } else {
            String::new()
        };
        let limits = if options.unlimited_paging {
            format!("limits dn.exact=\"{SERVICE_DN}\" size.prtotal=unlimited\n")
        } else {
            String::new()
        };
        let password_writer = if options.deny_password_writes {
            String::new()
        } else {
            format!("by dn.exact=\"{SERVICE_DN}\" =w ")
        };
        let config = format!(
            "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload refint
pidfile {dir}/slapd.pid
{tls}database mdb
suffix \"{BASE}\"
rootdn \"{ROOT_DN}\"
rootpw {ROOT_PW}
directory {dir}/data
maxsize 104857600
{limits}access to attrs=userPassword by self write {password_writer}by anonymous auth by * none
access to * by dn.exact=\"{SERVICE_DN}\" write by * read
overlay memberof
memberof-refint TRUE
overlay refint
refint_attributes member
",
            dir = dir.path().display()
        );
        std::fs::write(dir.path().join("slapd.conf"), config).unwrap();
        let (port, tls_port) = (free_port(), free_port());
        let mut urls = format!("ldap://127.0.0.1:{port}/");
        if options.tls {
            urls.push_str(&format!(" ldaps://127.0.0.1:{tls_port}/"));
        }
        let command = (program, dir.path().join("slapd.conf"), urls);
        let mut server = Slapd {
            child: spawn_slapd(&command),
            command,
            _dir: dir,
            port,
            tls_port,
        };
        server.wait_until_ready();
        server.add(&format!(
                    "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Globex\ndc: globex\n\n\
                     dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people\n\n\
                     dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups\n\n\
                     dn: ou=services,{BASE}\nobjectClass: organizationalUnit\nou: services\n\n\
                     dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: onboard\nsn: onboard\nuserPassword: {service_password}\n\n\
                     dn: cn=placeholder,ou=services,{BASE}\nobjectClass: person\ncn: placeholder\nsn: placeholder\n"
                ));
        Some(server)
    }

    /// Waits until slapd answers a root DSE search.
    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("slapd exited with {status}");
            }
            let probe = Command::new("ldapsearch")
                .args(["-x", "-H", &self.url(), "-b", "", "-s", "base"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            if probe.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("slapd did not start");
    }

    /// Stops slapd, as a directory going down would; its database stays.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts slapd again on the same ports with the same database.
    pub fn restart(&mut self) {
        self.child = spawn_slapd(&self.command);
        self.wait_until_ready();
    }

    /// Returns its plain URL.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    fn tool(&self, name: &str) -> Command {
        let mut command = Command::new(name);
        command.args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PW]);
        command
    }

    /// Adds entries (LDIF) as the root DN.
    pub fn add(&self, ldif: &str) {
        run(&mut self.tool("ldapadd"), Some(ldif));
    }

    /// Applies an LDIF modify as the root DN.
    pub fn modify(&self, ldif: &str) {
        run(&mut self.tool("ldapmodify"), Some(ldif));
    }

    /// Returns whether a simple bind as `dn` with `password` succeeds.
    pub fn binds(&self, dn: &str, password: &str) -> bool {
        binds(&self.url(), dn, password, None)
    }

    /// Returns the uids of a group's members (members that are not people are left
    /// out), sorted.
    pub fn members(&self, group: &str) -> Vec<String> {
        let out = run(
            self.tool("ldapsearch")
                .args(["-LLL", "-o", "ldif-wrap=no", "-b", BASE])
                .arg(format!("(memberOf=cn={group},ou=groups,{BASE})"))
                .arg("uid"),
            None,
        );
        let mut uids: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("uid: "))
            .map(str::to_string)
            .collect();
        uids.sort();
        uids
    }
}

/// Starts slapd in the foreground (`-d 0`, so that the child is slapd itself, with no
/// debug output) with a configuration file and the URLs to listen on.
fn spawn_slapd((program, config, urls): &(PathBuf, PathBuf, String)) -> Child {
    Command::new(program)
        .arg("-f")
        .arg(config)
        .args(["-h", urls, "-d", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()))
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns whether a simple bind to `url` as `dn` with `password` succeeds (then a read
/// of the root DSE: Samba has no "Who am I?" operation), trusting `ca` for TLS.
fn binds(url: &str, dn: &str, password: &str, ca: Option<&Path>) -> bool {
    let mut command = Command::new("ldapsearch");
    command.args(["-x", "-H", url, "-D", dn, "-w", password]);
    command.args(["-b", "", "-s", "base", "1.1"]);
    if let Some(ca) = ca {
        command.env("LDAPTLS_CACERT", ca);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("ldapsearch: {e}"));
    if !output.status.success() {
        // Said, so that a test expecting success shows why it failed.
        eprintln!(
            "bind to {url} as {dn} refused: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    output.status.success()
}

/// Returns the LDIF of a person whose `uid` is `uid`.
pub fn person(uid: &str) -> String {
    format!(
        "dn: uid={uid},ou=people,{BASE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\n"
    )
}

/// Returns the LDIF of a groupOfNames with these member uids (and the placeholder
/// member, unless `bare`).
pub fn group(cn: &str, uids: &[&str], bare: bool) -> String {
    let mut ldif = format!("dn: cn={cn},ou=groups,{BASE}\nobjectClass: groupOfNames\ncn: {cn}\n");
    if !bare {
        ldif.push_str(&format!("member: cn=placeholder,ou=services,{BASE}\n"));
    }
    for uid in uids {
        ldif.push_str(&format!("member: uid={uid},ou=people,{BASE}\n"));
    }
    ldif.push('\n');
    ldif
}

/// Its naming context.
pub const AD_BASE: &str = "DC=onboard,DC=test";
/// The administrator onboard binds as (a UPN, which AD accepts for simple binds).
pub const AD_ADMIN: &str = "Administrator@onboard.test";
/// The administrator's password.
pub const AD_PASSWORD: &str = "Onb0ard-Test-Adm1n!";
/// The DC's LDAPS URL (its certificate is the test CA's, for 127.0.0.1).
pub const AD_LDAPS: &str = "ldaps://127.0.0.1";

/// The process-wide Samba AD DC. It runs in the foreground (`-i`) and exits when its
/// stdin closes, that is when this test process ends, however it ends.
pub struct SambaDc {
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

/// Returns the shared DC, provisioning and starting it on first use; `None` when Samba
/// is not installed (outside CI).
pub fn samba() -> Option<&'static SambaDc> {
    static DC: OnceLock<Option<SambaDc>> = OnceLock::new();
    crate::peers::shared(&DC, "Samba AD DC (samba)", start_samba)
}

fn start_samba() -> Option<SambaDc> {
    let program = find_peer(
        crate::peers::ONBOARD_TEST_SAMBA,
        PathBuf::from("/usr/sbin/samba"),
        "Samba AD DC (samba)",
    )?;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("samba-dc");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run(
        Command::new("samba-tool")
            .args(["domain", "provision"])
            .arg(format!("--targetdir={}", dir.display()))
            .args([
                "--realm=ONBOARD.TEST",
                "--domain=ONBOARD",
                "--server-role=dc",
            ])
            .args(["--dns-backend=NONE", "--host-ip=127.0.0.1"])
            .arg(format!("--adminpass={AD_PASSWORD}"))
            .args([
                "--option=interfaces=lo",
                "--option=bind interfaces only=yes",
            ])
            .arg("--option=server services=-dns -nbt -wrepl -cldap -ntp_signd -kcc -dnsupdate")
            .arg(format!("--option=log file={}/samba.log", dir.display())),
        None,
    );
    // LDAPS (636) and StartTLS with a certificate of the test CA for 127.0.0.1, so that
    // passwords can be set (AD takes them only encrypted); and no grace period for an
    // old password after a reset, so that the old one fails at once, as a test expects.
    let ca = test_ca();
    let mut child = Command::new(&program)
        .arg("-s")
        .arg(dir.join("etc/smb.conf"))
        .args([
            "-i",
            "-M",
            "single",
            "--option=ldap server require strong auth=no",
            "--option=tls enabled=yes",
            "--option=old password allowed period=0",
        ])
        .arg(format!("--option=tls keyfile={}", ca.key.display()))
        .arg(format!("--option=tls certfile={}", ca.cert.display()))
        .arg(format!("--option=tls cafile={}", ca.ca.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
    let stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("samba exited with {status} (is another DC using ports 389/636?)");
        }
        let probe = Command::new("ldapsearch")
            .args([
                "-x",
                "-H",
                "ldap://127.0.0.1",
                "-D",
                AD_ADMIN,
                "-w",
                AD_PASSWORD,
            ])
            .args(["-b", "", "-s", "base", "defaultNamingContext"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if probe.success() {
            // Never dropped: the DC exits when our end of its stdin closes.
            return Some(SambaDc {
                _stdin: Mutex::new(stdin),
                _child: Mutex::new(child),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("samba did not answer LDAP within 60 s");
}

impl SambaDc {
    fn tool(&self, name: &str) -> Command {
        let mut command = Command::new(name);
        command.args([
            "-x",
            "-H",
            "ldap://127.0.0.1",
            "-D",
            AD_ADMIN,
            "-w",
            AD_PASSWORD,
        ]);
        command
    }

    /// Adds entries (LDIF) as the administrator.
    pub fn add(&self, ldif: &str) {
        run(&mut self.tool("ldapadd"), Some(ldif));
    }

    /// Applies an LDIF modify as the administrator.
    pub fn modify(&self, ldif: &str) {
        run(&mut self.tool("ldapmodify"), Some(ldif));
    }

    /// Adds entries (LDIF) as the administrator over LDAPS: what setting `unicodePwd`
    /// needs.
    pub fn add_over_tls(&self, ldif: &str) {
        let mut command = Command::new("ldapadd");
        command
            .args(["-x", "-H", AD_LDAPS, "-D", AD_ADMIN, "-w", AD_PASSWORD])
            .env("LDAPTLS_CACERT", &test_ca().ca);
        run(&mut command, Some(ldif));
    }

    /// Returns whether a simple bind as `user` (a DN or UPN) with `password` succeeds,
    /// over LDAPS.
    pub fn binds(&self, user: &str, password: &str) -> bool {
        binds(AD_LDAPS, user, password, Some(&test_ca().ca))
    }

    /// Returns the sAMAccountNames of a group's members, sorted.
    pub fn members(&self, group_dn: &str) -> Vec<String> {
        let out = run(
            self.tool("ldapsearch")
                .args(["-LLL", "-o", "ldif-wrap=no", "-b", AD_BASE])
                .arg(format!("(memberOf={group_dn})"))
                .arg("sAMAccountName"),
            None,
        );
        let mut names: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("sAMAccountName: "))
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }
}
