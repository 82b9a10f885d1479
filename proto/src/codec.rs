//! The codec of every generated server and client: prost's encoding, except that a message whose
//! bytes are not a valid encoding is refused as the sender's fault (`INVALID_ARGUMENT`) instead of
//! prost's `INTERNAL`.
//!
//! The refusal itself is built by whoever serves: the server installs its own (with the
//! `lianban.v1` error details) through [`on_undecodable`]; until then a plain `INVALID_ARGUMENT`
//! with a short message is returned.

use std::sync::OnceLock;

use prost::Message;
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

/// The refusal of an undecodable message, installed once by the server.
static UNDECODABLE: OnceLock<fn(String) -> Status> = OnceLock::new();

/// Installs the refusal of an undecodable message (its argument is the decoder's description).
/// The first call wins; later calls change nothing.
pub fn on_undecodable(refusal: fn(String) -> Status) {
    let _ = UNDECODABLE.set(refusal);
}

/// The status answered for a message that could not be decoded.
fn undecodable(description: String) -> Status {
    match UNDECODABLE.get() {
        Some(refusal) => refusal(description),
        None => {
            Status::invalid_argument(format!("the message could not be decoded: {description}"))
        }
    }
}

/// Prost's codec with undecodable messages refused as `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub struct LianbanCodec<T, U>(ProstCodec<T, U>);

impl<T, U> Default for LianbanCodec<T, U> {
    fn default() -> Self {
        LianbanCodec(ProstCodec::new())
    }
}

impl<T, U> Codec for LianbanCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = LianbanDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.0.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        LianbanDecoder(self.0.decoder())
    }
}

/// Prost's decoder, its failures refused as `INVALID_ARGUMENT`.
#[derive(Debug)]
pub struct LianbanDecoder<U>(ProstDecoder<U>);

impl<U: Message + Default> Decoder for LianbanDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        // Prost's decoder fails only when the bytes are not a valid encoding of `U`.
        self.0
            .decode(src)
            .map_err(|status| undecodable(status.message().to_owned()))
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}
