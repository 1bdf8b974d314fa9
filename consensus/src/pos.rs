//! Fair PoS: delay, base target, score, weighted balance with the raffle factor.
