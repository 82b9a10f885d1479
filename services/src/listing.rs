//! Pages of the lists that live in memory or are computed when read (the catalogue, posts,
//! warnings, extension requests): one page by a sort key, after the key the previous page ended
//! on. Lists already in key order are cut without building the rest; lists computed in any order
//! keep at most about two pages while they are visited.

/// One page and the key of its last item when more follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T, K> {
    /// The items, in key order.
    pub items: Vec<T>,
    /// The key of the last item when another page follows.
    pub next_after: Option<K>,
}

/// The page of `size` items after `after` from a list already in ascending key order.
pub fn page_of_sorted<T, K: Ord>(
    sorted: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
    after: Option<&K>,
    size: u64,
) -> Listed<T, K> {
    let items = sorted
        .into_iter()
        .skip_while(|item| after.is_some_and(|after| key(item) <= *after))
        .take(size as usize + 1)
        .collect();
    cut(items, key, size)
}

/// The page of `size` items after a key, from items visited in any order: items at or before the
/// key are dropped as they come, and only the smallest `size + 1` are kept once more arrive.
#[derive(Debug)]
pub struct Smallest<T, K> {
    size: u64,
    after: Option<K>,
    kept: Vec<(K, T)>,
}

impl<T, K: Ord + Clone> Smallest<T, K> {
    /// A page of `size` after `after`.
    pub fn new(size: u64, after: Option<K>) -> Self {
        Smallest {
            size,
            after,
            kept: Vec::new(),
        }
    }

    /// Offers one item with its key.
    pub fn offer(&mut self, key: K, item: T) {
        if self.after.as_ref().is_some_and(|after| key <= *after) {
            return;
        }
        self.kept.push((key, item));
        if self.kept.len() > 2 * (self.size as usize + 1) {
            self.trim();
        }
    }

    /// The page, in key order.
    pub fn finish(mut self) -> Listed<T, K> {
        self.trim();
        let size = self.size;
        let keyed: Vec<(K, T)> = self.kept;
        let mut page = cut(keyed, |(key, _)| key.clone(), size);
        Listed {
            items: page.items.drain(..).map(|(_, item)| item).collect(),
            next_after: page.next_after,
        }
    }

    fn trim(&mut self) {
        self.kept.sort_by(|(x, _), (y, _)| x.cmp(y));
        self.kept.truncate(self.size as usize + 1);
    }
}

/// Keeps the first `size` items; the last one's key is the next page's start when more followed.
fn cut<T, K>(mut items: Vec<T>, key: impl Fn(&T) -> K, size: u64) -> Listed<T, K> {
    let next_after = if items.len() > size as usize {
        items.truncate(size as usize);
        items.last().map(&key)
    } else {
        None
    };
    Listed { items, next_after }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_sorted(list: &[u32], size: u64) -> Vec<u32> {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = page_of_sorted(list.iter().copied(), |x| *x, after.as_ref(), size);
            seen.extend(page.items);
            match page.next_after {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    }

    fn walk_unsorted(list: &[u32], size: u64) -> Vec<u32> {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let mut page = Smallest::new(size, after);
            for x in list {
                page.offer(*x, *x);
            }
            let page = page.finish();
            seen.extend(page.items);
            match page.next_after {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    }

    #[test]
    fn every_item_once_in_order() {
        let sorted: Vec<u32> = (0..23).collect();
        let shuffled: Vec<u32> = (0..23).map(|x| (x * 7) % 23).collect();
        for size in [1, 2, 3, 5, 23, 50] {
            assert_eq!(walk_sorted(&sorted, size), sorted);
            assert_eq!(walk_unsorted(&shuffled, size), sorted);
        }
        assert!(walk_sorted(&[], 2).is_empty());
        assert!(walk_unsorted(&[], 2).is_empty());
    }
}
