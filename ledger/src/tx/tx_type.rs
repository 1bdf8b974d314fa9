//! [`TxType`]: the transaction types of this chain, their LTO ids, versions and names.

use super::TxError;

/// The transaction types of this chain, with LTO's type ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum TxType {
    /// Initial distribution, only in the genesis block.
    Genesis = 1,
    /// Payment to one recipient.
    Transfer = 4,
    /// Lease (stake) to a generator.
    Lease = 8,
    /// Cancel of an earlier lease.
    CancelLease = 9,
    /// Payment to up to 100 recipients.
    MassTransfer = 11,
    /// Sets or removes the account script.
    SetScript = 13,
    /// Anchors up to 100 hashes.
    Anchor = 15,
    /// Issues (or extends) an association, the whitepaper's certificate.
    IssueAssociation = 16,
    /// Revokes an association.
    RevokeAssociation = 17,
    /// Sets key/value data entries on the sender's account.
    Data = 12,
    /// Sponsors another account: pays the fees of its transactions.
    Sponsorship = 18,
    /// Ends a sponsorship.
    CancelSponsorship = 19,
    /// Registers public keys (of any key type) under the sender.
    Register = 20,
    /// Destroys tokens: the amount leaves the supply.
    Burn = 21,
    /// Anchors key/value pairs.
    MappedAnchor = 22,
    /// A typed statement about the sender or another account, with data entries.
    Statement = 23,
    /// Attaches an X.509 certificate of the sender's key to its account (or clears it).
    Certificate = 24,
}

impl TxType {
    /// The type for an id, or an error naming the id.
    pub fn from_id(id: u8) -> Result<TxType, TxError> {
        Ok(match id {
            1 => TxType::Genesis,
            4 => TxType::Transfer,
            8 => TxType::Lease,
            9 => TxType::CancelLease,
            11 => TxType::MassTransfer,
            13 => TxType::SetScript,
            15 => TxType::Anchor,
            16 => TxType::IssueAssociation,
            17 => TxType::RevokeAssociation,
            12 => TxType::Data,
            18 => TxType::Sponsorship,
            19 => TxType::CancelSponsorship,
            20 => TxType::Register,
            21 => TxType::Burn,
            22 => TxType::MappedAnchor,
            23 => TxType::Statement,
            24 => TxType::Certificate,
            other => return Err(TxError::UnknownType { type_id: other }),
        })
    }

    /// LTO's type id.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The versions of this type that are accepted, oldest first.
    pub fn versions(self) -> &'static [u8] {
        match self {
            TxType::Genesis => &[1],
            TxType::Transfer | TxType::Lease | TxType::CancelLease => &[1, 2, 3],
            TxType::MassTransfer
            | TxType::SetScript
            | TxType::Anchor
            | TxType::Sponsorship
            | TxType::CancelSponsorship => &[1, 3],
            TxType::IssueAssociation | TxType::RevokeAssociation => &[1, 3, 4],
            // Data v1 was disabled on LTO when smart accounts arrived; no client builds it.
            TxType::Data
            | TxType::Register
            | TxType::Burn
            | TxType::MappedAnchor
            | TxType::Statement
            | TxType::Certificate => &[3],
        }
    }

    /// The newest version, used when JSON input names none.
    pub fn latest_version(self) -> u8 {
        self.versions().last().copied().unwrap_or(1)
    }

    /// Whether `version` is accepted for this type.
    pub fn check_version(self, version: u8) -> Result<(), TxError> {
        if self.versions().contains(&version) {
            Ok(())
        } else {
            Err(TxError::UnsupportedVersion {
                type_id: self.id(),
                version,
            })
        }
    }

    /// LTO's name of the type, as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            TxType::Genesis => "genesis",
            TxType::Transfer => "transfer",
            TxType::Lease => "lease",
            TxType::CancelLease => "cancel lease",
            TxType::MassTransfer => "mass transfer",
            TxType::SetScript => "set script",
            TxType::Anchor => "anchor",
            TxType::IssueAssociation => "issue association",
            TxType::RevokeAssociation => "revoke association",
            TxType::MappedAnchor => "mapped anchor",
            TxType::Data => "data",
            TxType::Sponsorship => "sponsorship",
            TxType::CancelSponsorship => "cancel sponsorship",
            TxType::Register => "register",
            TxType::Burn => "burn",
            TxType::Statement => "statement",
            TxType::Certificate => "certificate",
        }
    }
}
