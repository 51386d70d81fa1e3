//! Bounding what piles up in the kernel below the HTTP server. The node transport sets the options on
//! each accepted socket (tune_socket). uWebSockets.js gives no access to its sockets, but accepted TCP
//! sockets inherit SO_SNDBUF and TCP_NOTSENT_LOWAT from the listening socket, so for it mjpgd finds
//! its own listening socket by port and sets them there, once (limit_unsent).
use std::os::raw::{c_int, c_void};

/// Sets TCP_NOTSENT_LOWAT (and SO_SNDBUF when `send_buffer` > 0) on one connected TCP socket.
pub fn tune_socket(fd: c_int, unsent_limit: u32, send_buffer: u32) -> std::io::Result<()> {
    if !is_stream_socket(fd) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("fd {fd} is not a stream socket")));
    }
    set(fd, libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT, unsent_limit.min(i32::MAX as u32) as c_int)?;
    if send_buffer > 0 {
        set(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, send_buffer.min(i32::MAX as u32) as c_int)?;
    }
    Ok(())
}

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

/// Sends `bufs` from byte `skip` on with one sendmsg (MSG_DONTWAIT: never blocks; MSG_NOSIGNAL: a
/// closed peer is an error, not SIGPIPE). Returns the bytes taken; 0 when the send buffer is full.
pub fn send_vectored(fd: c_int, bufs: &[&[u8]], skip: usize) -> std::io::Result<usize> {
    // A part is at most three pieces: no allocation per write for it (this runs per viewer and frame).
    const ON_STACK: usize = 4;
    let empty = libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 };
    let mut stack = [empty; ON_STACK];
    let mut heap: Vec<libc::iovec> = Vec::new();
    let mut count = 0;
    let mut skip = skip;
    for b in bufs {
        if skip >= b.len() {
            skip -= b.len();
            continue;
        }
        let rest = &b[skip..];
        skip = 0;
        let v = libc::iovec { iov_base: rest.as_ptr() as *mut c_void, iov_len: rest.len() };
        if count < ON_STACK {
            stack[count] = v;
        } else {
            if heap.is_empty() {
                heap.extend_from_slice(&stack);
            }
            heap.push(v);
        }
        count += 1;
    }
    if count == 0 {
        return Ok(0);
    }
    let iov: &mut [libc::iovec] = if heap.is_empty() { &mut stack[..count] } else { &mut heap };
    // SAFETY: msghdr is plain old data (all-zero is valid: no name, no control data).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = iov.len() as _;
    // SAFETY: every iovec points into a slice borrowed for this call; sendmsg only reads them. A bad
    // fd makes sendmsg fail with an error, nothing else.
    let n = unsafe { libc::sendmsg(fd, &msg, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    if n >= 0 {
        return Ok(n as usize);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Ok(0)
    } else {
        Err(e)
    }
}

/// A connected or listening SOCK_STREAM socket (TCP or unix).
pub fn is_stream_socket(fd: c_int) -> bool {
    get(fd, libc::SOL_SOCKET, libc::SO_TYPE) == Some(libc::SOCK_STREAM)
}

fn get(fd: c_int, level: c_int, name: c_int) -> Option<c_int> {
    let mut value: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: value and len are live locals of the sizes passed; a bad fd makes getsockopt fail (EBADF), nothing else.
    let r = unsafe { libc::getsockopt(fd, level, name, &mut value as *mut c_int as *mut c_void, &mut len) };
    (r == 0).then_some(value)
}

fn set(fd: c_int, level: c_int, name: c_int, value: c_int) -> std::io::Result<()> {
    // SAFETY: the option value is a live c_int and its size is passed; a bad fd only makes setsockopt fail.
    let r = unsafe { libc::setsockopt(fd, level, name, &value as *const c_int as *const c_void, std::mem::size_of::<c_int>() as libc::socklen_t) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn is_listening_tcp_on(fd: c_int, port: u16) -> bool {
    if get(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN) != Some(1) || get(fd, libc::SOL_SOCKET, libc::SO_TYPE) != Some(libc::SOCK_STREAM) {
        return false;
    }
    // SAFETY: sockaddr_storage is plain old data; all-zero bytes are a valid value of it.
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: addr is a sockaddr_storage (large enough for any address) and len says its size.
    if unsafe { libc::getsockname(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len) } != 0 {
        return false;
    }
    let bound = match addr.ss_family as c_int {
        // SAFETY: ss_family says the kernel wrote a sockaddr_in; sockaddr_storage is large and
        // aligned enough for it.
        libc::AF_INET => u16::from_be(unsafe { (*(&addr as *const _ as *const libc::sockaddr_in)).sin_port }),
        // SAFETY: likewise, a sockaddr_in6.
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

    #[test]
    fn sends_from_an_offset_across_chunks_and_reports_a_full_buffer_as_zero() {
        use std::io::Read;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert_eq!(send_vectored(client.as_raw_fd(), &[b"head", b"body"], 2).unwrap(), 6);
        let mut got = [0u8; 6];
        server.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"adbody");
        // More pieces than fit on the stack: all of them, in order.
        let many: [&[u8]; 6] = [b"a", b"b", b"c", b"d", b"e", b"f"];
        assert_eq!(send_vectored(client.as_raw_fd(), &many, 1).unwrap(), 5);
        let mut got = [0u8; 5];
        server.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"bcdef");
        // Nobody reads: the kernel's buffers fill, then a send takes nothing instead of blocking.
        let big = vec![7u8; 1 << 20];
        let mut last = 1;
        for _ in 0..64 {
            last = send_vectored(client.as_raw_fd(), &[&big], 0).unwrap();
            if last == 0 {
                break;
            }
        }
        assert_eq!(last, 0);
        drop(server);
    }

    #[test]
    fn tunes_one_connected_socket_and_refuses_other_fds() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        tune_socket(client.as_raw_fd(), 8192, 0).unwrap();
        assert_eq!(get(client.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT), Some(8192));
        let file = std::fs::File::open("/dev/null").unwrap();
        assert!(tune_socket(file.as_raw_fd(), 8192, 0).is_err());
    }
}
