//! Text both sides write the same way.

/// `15000` → `"15,000"`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The last path segment of a URL, for messages ("…/vectors.npy?x=1" → "vectors.npy").
pub fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(path)
        .to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_and_names() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(15_000), "15,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
        assert_eq!(super::file_name("a/b/vectors.npy?x=1#y"), "vectors.npy");
        assert_eq!(super::file_name("https://h/d/"), "d");
    }
}
