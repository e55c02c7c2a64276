// Compiled into both Gen.Runtime and Gen.Generators (linked): the generator bakes names into metadata.
using System.Text;

namespace Gen.Ordering
{
    /// <summary>fastai's callback naming rule: drop a trailing "Callback", then camel case to snake case.</summary>
    internal static class CallbackNaming
    {
        /// <summary><c>GradientClipCallback</c> -> <c>gradient_clip</c>; <c>TrainEval</c> -> <c>train_eval</c>.</summary>
        public static string SnakeName(string className)
        {
            var name = className.EndsWith("Callback") ? className.Substring(0, className.Length - "Callback".Length) : className;
            return CamelToSnake(name.Length == 0 ? "Callback" : name);
        }

        /// <summary>
        /// fastai's camel2snake: an underscore before each capital that starts a lower-case run
        /// (after any character), and between a lower-case letter or digit and a capital.
        /// </summary>
        public static string CamelToSnake(string name)
        {
            var sb = new StringBuilder(name.Length + 8);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (i > 0 && char.IsUpper(c) && NeedsUnderscore(name, i)) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            return sb.ToString();
        }

        /// <summary>
        /// A hyper's or state's fastai name from a step parameter's C# name (or fastai's own, unchanged):
        /// camel to snake, and an underscore before a digit that follows a letter: <c>sqrMom</c> -> <c>sqr_mom</c>, <c>nu1</c> -> <c>nu_1</c>.
        /// </summary>
        public static string HyperName(string name)
        {
            if (IsHyperName(name)) return name;   // already fastai's: no allocation (hypers are read by name on every batch)
            var snake = CamelToSnake(name);
            var sb = new StringBuilder(snake.Length + 2);
            for (int i = 0; i < snake.Length; i++)
            {
                if (i > 0 && char.IsDigit(snake[i]) && char.IsLetter(snake[i - 1])) sb.Append('_');
                sb.Append(snake[i]);
            }
            return sb.ToString();
        }

        private static bool IsHyperName(string name)
        {
            for (int i = 0; i < name.Length; i++)
                if (char.IsUpper(name[i]) || i > 0 && char.IsDigit(name[i]) && char.IsLetter(name[i - 1])) return false;
            return true;
        }

        private static bool NeedsUnderscore(string name, int i)
        {
            char prev = name[i - 1];
            bool startsLowerRun = i + 1 < name.Length && char.IsLower(name[i + 1]);
            bool afterLowerOrDigit = char.IsLower(prev) || char.IsDigit(prev);
            return afterLowerOrDigit || startsLowerRun;
        }
    }
}
