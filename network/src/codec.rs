//! The libp2p `request_response::Codec` for sync: one bounded frame per stream direction.
//!
//! A frame is read to the end of the stream through `take(cap + 1)`, so a peer can never make
//! us buffer more than the cap; anything longer or undecodable is an `InvalidData` error, which
//! the swarm turns into a penalty for that peer.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use libp2p::request_response;

use crate::message::{MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, SyncRequest, SyncResponse};

/// Sync codec; stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncCodec;

async fn read_frame<T>(io: &mut T, cap: usize) -> io::Result<Vec<u8>>
where
    T: AsyncRead + Unpin + Send,
{
    let mut buf = Vec::new();
    // cap + 1 so that an oversize frame is seen as such rather than silently cut.
    io.take(cap as u64 + 1).read_to_end(&mut buf).await?;
    if buf.len() > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame larger than {cap} bytes"),
        ));
    }
    Ok(buf)
}

fn invalid(e: crate::message::CodecError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = SyncRequest;
    type Response = SyncResponse;

    async fn read_request<T>(&mut self, _: &Self::Protocol, io: &mut T) -> io::Result<SyncRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        let buf = read_frame(io, MAX_REQUEST_BYTES).await?;
        SyncRequest::decode(&buf).map_err(invalid)
    }

    async fn read_response<T>(&mut self, _: &Self::Protocol, io: &mut T) -> io::Result<SyncResponse>
    where
        T: AsyncRead + Unpin + Send,
    {
        let buf = read_frame(io, MAX_RESPONSE_BYTES).await?;
        if buf.is_empty() {
            // The responder closed the stream without answering (e.g. its side timed out):
            // a non-answer, not garbage.
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no response"));
        }
        SyncResponse::decode(&buf).map_err(invalid)
    }

    async fn write_request<T>(
        &mut self,
        _: &Self::Protocol,
        io: &mut T,
        req: SyncRequest,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let bytes = req.encode().map_err(invalid)?;
        io.write_all(&bytes).await?;
        io.flush().await
    }

    async fn write_response<T>(
        &mut self,
        _: &Self::Protocol,
        io: &mut T,
        res: SyncResponse,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let bytes = res.encode().map_err(invalid)?;
        io.write_all(&bytes).await?;
        io.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::Cursor;
    use ltonode_ledger::block::BlockId;
    use request_response::Codec;

    fn proto() -> StreamProtocol {
        StreamProtocol::new("/test/sync/1")
    }

    #[test]
    fn frames_round_trip_through_a_stream() {
        futures::executor::block_on(async {
            let mut codec = SyncCodec;
            let mut buf = Cursor::new(Vec::new());
            let req = SyncRequest::Headers { from: 3, to: 9 };
            codec
                .write_request(&proto(), &mut buf, req.clone())
                .await
                .unwrap();
            let mut rd = Cursor::new(buf.into_inner());
            assert_eq!(codec.read_request(&proto(), &mut rd).await.unwrap(), req);

            let res = SyncResponse::Tip {
                height: 7,
                score: 1 << 100,
                tip_id: BlockId([9; 32]),
            };
            let mut buf = Cursor::new(Vec::new());
            codec
                .write_response(&proto(), &mut buf, res.clone())
                .await
                .unwrap();
            let mut rd = Cursor::new(buf.into_inner());
            assert_eq!(codec.read_response(&proto(), &mut rd).await.unwrap(), res);
        });
    }

    #[test]
    fn oversize_request_is_invalid_data() {
        futures::executor::block_on(async {
            let mut rd = Cursor::new(vec![0u8; MAX_REQUEST_BYTES + 10]);
            let err = SyncCodec.read_request(&proto(), &mut rd).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        });
    }
}
