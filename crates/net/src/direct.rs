//! Direct viewers: stream connections the capture thread writes every part to itself, with one
//! non-blocking sendmsg each, so a frame reaches ready viewers without waking JS for them. A viewer
//! stays here only while the kernel takes each part whole; the first part it takes only in part (or
//! not at all) hands the viewer back to JS, which sends the rest of that part and, once the connection
//! drains, may register it again. Each viewer is written by one side at a time: here, or by JS.
//!
//! Each viewer's descriptor is our own duplicate: JS may close its socket at any moment, and a
//! descriptor number closed by JS could be reused by another connection; ours stays that viewer's
//! until `remove` drops it.
use crate::sockopt::{is_stream_socket, send_vectored};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// What a viewer received while direct (since it was added, or since its counts were last taken).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ViewerCounts {
    pub frames: u64,
    pub bytes: u64,
}

/// A viewer that left the direct set during a write: JS owns it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handback {
    pub id: u32,
    /// Bytes of this part the kernel took (JS sends the rest).
    pub sent: usize,
    /// The connection failed (peer gone): nothing more to send.
    pub gone: bool,
    /// Counts not yet taken, this part's bytes included.
    pub counts: ViewerCounts,
}

struct Viewer {
    id: u32,
    fd: OwnedFd,
    counts: ViewerCounts,
}

#[derive(Default)]
pub struct DirectViewers {
    viewers: Mutex<Vec<Viewer>>,
    /// How many viewers there are, readable without the lock (the capture thread checks it per frame).
    count: AtomicUsize,
}

/// A duplicate of a connected stream socket's descriptor, owned by the caller.
pub fn dup_stream_socket(fd: RawFd) -> std::io::Result<OwnedFd> {
    if !is_stream_socket(fd) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("fd {fd} is not a stream socket")));
    }
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) only reads its integer arguments; a bad fd makes it fail (EBADF).
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `new` is a descriptor fcntl just created for us; nothing else owns or closes it.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

impl DirectViewers {
    pub fn new() -> DirectViewers {
        DirectViewers::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Viewer>> {
        // A panic while holding the lock leaves a plain Vec behind: still usable.
        self.viewers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a viewer under `id` (replacing one of the same id), writing to `fd` from the next part on.
    pub fn add(&self, id: u32, fd: OwnedFd) {
        let mut v = self.lock();
        v.retain(|x| x.id != id);
        v.push(Viewer { id, fd, counts: ViewerCounts::default() });
        self.count.store(v.len(), Ordering::Release);
    }

    /// Takes a viewer out (JS closes it or owns it again); its counts not yet taken, or None if it
    /// wasn't here (handed back or never added).
    pub fn remove(&self, id: u32) -> Option<ViewerCounts> {
        let mut v = self.lock();
        let i = v.iter().position(|x| x.id == id)?;
        let gone = v.swap_remove(i);
        self.count.store(v.len(), Ordering::Release);
        Some(gone.counts)
    }

    /// A viewer's counts since they were last taken (reset to zero), or None if it isn't here.
    pub fn take_counts(&self, id: u32) -> Option<ViewerCounts> {
        let mut v = self.lock();
        v.iter_mut().find(|x| x.id == id).map(|x| std::mem::take(&mut x.counts))
    }

    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        self.lock().clear();
        self.count.store(0, Ordering::Release);
    }

    /// Writes one part (its pieces in order) to every viewer. Viewers whose kernel buffer didn't take
    /// it whole, or whose connection failed, leave the set and are reported in `handbacks`.
    pub fn send(&self, pieces: &[&[u8]], handbacks: &mut Vec<Handback>) {
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        let mut v = self.lock();
        v.retain_mut(|viewer| {
            let (sent, gone) = match send_vectored(viewer.fd.as_raw_fd(), pieces, 0) {
                Ok(n) => (n, false),
                Err(_) => (0, true),
            };
            viewer.counts.bytes += sent as u64;
            if sent == total && !gone {
                viewer.counts.frames += 1;
                return true;
            }
            handbacks.push(Handback { id: viewer.id, sent, gone, counts: viewer.counts });
            false
        });
        self.count.store(v.len(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use std::os::unix::net::UnixStream;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (server, client)
    }

    fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut got = vec![0u8; n];
        s.read_exact(&mut got).unwrap();
        got
    }

    #[test]
    fn every_viewer_gets_each_part_whole_and_counts_it() {
        let (a_srv, mut a) = pair();
        let (b_srv, mut b) = pair();
        let direct = DirectViewers::new();
        direct.add(1, dup_stream_socket(a_srv.as_raw_fd()).unwrap());
        direct.add(2, dup_stream_socket(b_srv.as_raw_fd()).unwrap());
        // JS closing its own descriptor doesn't end a direct viewer: ours is a duplicate.
        drop(a_srv);
        let mut handbacks = vec![];
        direct.send(&[b"head", b"jpeg", b"tail"], &mut handbacks);
        direct.send(&[b"second"], &mut handbacks);
        assert!(handbacks.is_empty());
        assert_eq!(read_n(&mut a, 18), b"headjpegtailsecond");
        assert_eq!(read_n(&mut b, 18), b"headjpegtailsecond");
        assert_eq!(direct.take_counts(2), Some(ViewerCounts { frames: 2, bytes: 18 }));
        assert_eq!(direct.take_counts(2), Some(ViewerCounts::default()), "taken counts start again from zero");
        assert_eq!(direct.remove(1), Some(ViewerCounts { frames: 2, bytes: 18 }));
        assert_eq!(direct.remove(1), None);
        assert_eq!(direct.len(), 1);
        drop(b_srv);
    }

    #[test]
    fn a_viewer_that_takes_a_part_only_in_part_is_handed_back_with_what_it_took() {
        let (slow_srv, _slow) = pair();
        let (fast_srv, mut fast) = pair();
        let direct = DirectViewers::new();
        direct.add(7, dup_stream_socket(slow_srv.as_raw_fd()).unwrap());
        direct.add(8, dup_stream_socket(fast_srv.as_raw_fd()).unwrap());
        let big = vec![1u8; 8 << 20];
        let mut handbacks = vec![];
        direct.send(&[&big], &mut handbacks);
        // Nobody reads either socket, and 8 MB is more than a loopback socket buffers: both come back.
        assert_eq!(handbacks.len(), 2);
        let slow = handbacks.iter().find(|h| h.id == 7).unwrap();
        assert!(!slow.gone);
        assert!(slow.sent < big.len());
        assert_eq!(slow.counts, ViewerCounts { frames: 0, bytes: slow.sent as u64 });
        assert!(direct.is_empty());
        // After a handback nothing more is written to it here.
        direct.send(&[b"x"], &mut handbacks);
        assert_eq!(handbacks.len(), 2);
        let fast_sent = handbacks.iter().find(|h| h.id == 8).unwrap().sent;
        fast.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        assert_eq!(read_n(&mut fast, fast_sent).len(), fast_sent);
        drop((slow_srv, fast_srv));
    }

    #[test]
    fn a_viewer_whose_peer_is_gone_is_reported_gone() {
        let (srv, client) = pair();
        let direct = DirectViewers::new();
        direct.add(3, dup_stream_socket(srv.as_raw_fd()).unwrap());
        drop(client);
        let mut handbacks = vec![];
        // The first write after the peer closed may still be taken (the RST comes back after it).
        for _ in 0..50 {
            direct.send(&[b"part"], &mut handbacks);
            if !handbacks.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(handbacks.len(), 1);
        assert!(handbacks[0].gone);
        assert!(direct.is_empty());
    }

    #[test]
    fn only_stream_sockets_are_taken() {
        let file = std::fs::File::open("/dev/null").unwrap();
        assert!(dup_stream_socket(file.as_raw_fd()).is_err());
        assert!(dup_stream_socket(-1).is_err());
        let (a, _b) = UnixStream::pair().unwrap();
        assert!(dup_stream_socket(a.as_raw_fd()).is_ok(), "unix stream sockets (--unix-socket) are fine");
    }
}
