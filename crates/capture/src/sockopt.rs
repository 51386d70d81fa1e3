//! Bounding what piles up in the kernel below the HTTP server. uWebSockets.js gives no access to its
//! sockets, but accepted TCP sockets inherit SO_SNDBUF and TCP_NOTSENT_LOWAT from the listening
//! socket, so mjpgd finds its own listening socket by port and sets them there, once.
use std::os::raw::{c_int, c_void};

/// Sets TCP_NOTSENT_LOWAT (and SO_SNDBUF when `send_buffer` > 0) on every listening TCP socket of
/// this process bound to `port`. Returns how many sockets were changed.
///
/// With TCP_NOTSENT_LOWAT, a send() queues at most about `unsent_limit` bytes that the network hasn't
/// taken yet; the rest is reported as backpressure, so a slow viewer skips frames instead of falling
/// seconds behind in a multi-megabyte kernel buffer, while fast links keep their full window.
pub fn limit_unsent(port: u16, unsent_limit: u32, send_buffer: u32) -> std::io::Result<usize> {
    let mut changed = 0;
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let Ok(fd) = entry?.file_name().to_string_lossy().parse::<c_int>() else { continue };
        if !is_listening_tcp_on(fd, port) {
            continue;
        }
        set(fd, libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT, unsent_limit as c_int)?;
        if send_buffer > 0 {
            set(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, send_buffer as c_int)?;
        }
        changed += 1;
    }
    Ok(changed)
}

fn get(fd: c_int, level: c_int, name: c_int) -> Option<c_int> {
    let mut value: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    let r = unsafe { libc::getsockopt(fd, level, name, &mut value as *mut c_int as *mut c_void, &mut len) };
    (r == 0).then_some(value)
}

fn set(fd: c_int, level: c_int, name: c_int, value: c_int) -> std::io::Result<()> {
    let r = unsafe {
        libc::setsockopt(fd, level, name, &value as *const c_int as *const c_void, std::mem::size_of::<c_int>() as libc::socklen_t)
    };
    if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

fn is_listening_tcp_on(fd: c_int, port: u16) -> bool {
    if get(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN) != Some(1) || get(fd, libc::SOL_SOCKET, libc::SO_TYPE) != Some(libc::SOCK_STREAM) {
        return false;
    }
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    if unsafe { libc::getsockname(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len) } != 0 {
        return false;
    }
    let bound = match addr.ss_family as c_int {
        libc::AF_INET => u16::from_be(unsafe { (*(&addr as *const _ as *const libc::sockaddr_in)).sin_port }),
        libc::AF_INET6 => u16::from_be(unsafe { (*(&addr as *const _ as *const libc::sockaddr_in6)).sin6_port }),
        _ => return false,
    };
    bound == port
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    #[test]
    fn tunes_the_listener_and_accepted_sockets_inherit_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let other = TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(limit_unsent(port, 16384, 65536).unwrap(), 1, "only the listener on that port");
        assert_eq!(get(listener.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT), Some(16384));
        assert_ne!(get(other.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT), Some(16384));
        let _client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(get(accepted.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT), Some(16384));
        // The kernel doubles SO_SNDBUF for bookkeeping.
        assert_eq!(get(accepted.as_raw_fd(), libc::SOL_SOCKET, libc::SO_SNDBUF), Some(131072));
    }
}
