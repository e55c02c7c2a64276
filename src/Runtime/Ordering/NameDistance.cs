// Compiled into both Gen.Runtime and Gen.Generators (linked): "did you mean" suggestions at compile time and run time.
using System;
using System.Collections.Generic;

namespace Gen.Ordering
{
    /// <summary>Case-insensitive edit distance between names, for suggesting the name a user meant.</summary>
    internal static class NameDistance
    {
        /// <summary>The Levenshtein distance between <paramref name="a"/> and <paramref name="b"/>, ignoring case.</summary>
        public static int Between(string a, string b)
        {
            a = a.ToLowerInvariant();
            b = b.ToLowerInvariant();
            var previous = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
            return previous[b.Length];
        }

        /// <summary>
        /// The candidate <paramref name="name"/> is most likely a typo of: the closest (the first of equals) when at most
        /// one edit away for a name of up to 4 letters, two for a longer one; otherwise null, since a far suggestion
        /// misleads more than none.
        /// </summary>
        public static string? Suggest(string name, IEnumerable<string> candidates)
        {
            var nearest = Nearest(name, candidates);
            return nearest is not null && Between(name, nearest) <= (name.Length <= 4 ? 1 : 2) ? nearest : null;
        }

        /// <summary>The candidate closest to <paramref name="name"/> (the first of equals), or null when there are none.</summary>
        public static string? Nearest(string name, IEnumerable<string> candidates)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (var candidate in candidates)
            {
                int distance = Between(name, candidate);
                if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
            }
            return best;
        }
    }
}
