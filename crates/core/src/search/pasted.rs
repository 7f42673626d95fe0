//! A vector pasted into the search box: a JSON array (`[0.1, -2e-3, …]`) or a list of numbers
//! separated by commas or spaces, with the data's dimension.

/// Why a pasted text is not a vector the data can be searched with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PastedError {
    #[error("expected {expected} numbers (the data's dimension), got {got}")]
    WrongDimension { expected: usize, got: usize },
    #[error("expected a number at position {position} (of {count}), found \"{token}\"")]
    NotANumber {
        position: usize,
        count: usize,
        token: String,
    },
    #[error("the number at position {position} is not finite")]
    NotFinite { position: usize },
    #[error("the vector's \"[\" is not closed by \"]\"")]
    Unclosed,
}

/// Lists of at least this many numbers without brackets are read as vectors (fewer are words:
/// "1984", "2001 odyssey").
pub const MIN_BARE_NUMBERS: usize = 8;

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
}

/// Whether the search text is meant as a vector: it starts with `[`, or it is only numbers and
/// at least [`MIN_BARE_NUMBERS`] of them.
pub fn looks_like_vector(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('[')
        || (tokens(text).count() >= MIN_BARE_NUMBERS
            && tokens(text).all(|t| t.parse::<f64>().is_ok()))
}

/// The vector in `text`, which must hold exactly `dims` finite numbers.
pub fn parse_vector(text: &str, dims: usize) -> Result<Vec<f32>, PastedError> {
    let mut body = text.trim();
    if let Some(rest) = body.strip_prefix('[') {
        body = rest
            .trim_end()
            .strip_suffix(']')
            .ok_or(PastedError::Unclosed)?;
    }
    let count = tokens(body).count();
    let mut values = Vec::with_capacity(count);
    for (i, token) in tokens(body).enumerate() {
        let position = i + 1;
        let v: f64 = token.parse().map_err(|_| PastedError::NotANumber {
            position,
            count,
            token: token.chars().take(24).collect(),
        })?;
        let v = v as f32;
        if !v.is_finite() {
            return Err(PastedError::NotFinite { position });
        }
        values.push(v);
    }
    if values.len() != dims {
        return Err(PastedError::WrongDimension {
            expected: dims,
            got: values.len(),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_arrays_and_bare_lists_read_alike() {
        assert_eq!(
            parse_vector("[1, -2.5e-1, 3]", 3),
            Ok(vec![1.0, -0.25, 3.0])
        );
        assert_eq!(parse_vector(" 1 -0.25\n3 ", 3), Ok(vec![1.0, -0.25, 3.0]));
        assert_eq!(parse_vector("1,2,,3", 3), Ok(vec![1.0, 2.0, 3.0]));
        assert_eq!(parse_vector("[ ]", 0), Ok(vec![]));
    }

    #[test]
    fn bad_vectors_say_what_was_expected() {
        assert_eq!(
            parse_vector("[1, 2]", 384),
            Err(PastedError::WrongDimension {
                expected: 384,
                got: 2
            })
        );
        assert_eq!(
            parse_vector("[1, bird, 3]", 3),
            Err(PastedError::NotANumber {
                position: 2,
                count: 3,
                token: "bird".into()
            })
        );
        assert_eq!(parse_vector("[1, 2", 2), Err(PastedError::Unclosed));
        assert_eq!(
            parse_vector("1 1e39", 2),
            Err(PastedError::NotFinite { position: 2 })
        );
        assert_eq!(
            parse_vector("1 NaN", 2),
            Err(PastedError::NotFinite { position: 2 })
        );
        let message = parse_vector("[1, <img onerror=x>]", 2)
            .unwrap_err()
            .to_string();
        assert!(message.contains("\"<img\""), "{message}");
    }

    #[test]
    fn words_with_a_few_numbers_stay_words() {
        assert!(!looks_like_vector("2001 a space odyssey"));
        assert!(!looks_like_vector("1984 2001"));
        assert!(!looks_like_vector("bird"));
        assert!(looks_like_vector("[0.1, 0.2]"));
        assert!(looks_like_vector("0 1 2 3 4 5 6 7"));
        assert!(!looks_like_vector("0 1 2 3 4 5 6 seven"));
    }
}
