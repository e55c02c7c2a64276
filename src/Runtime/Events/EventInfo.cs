using System;
using Gen.Internals;

namespace Gen;

/// <summary>Names and masks of <see cref="Event"/>s.</summary>
public static class EventInfo
{
    /// <summary>Number of events.</summary>
    public const int Count = 24;

    private static readonly string[] SnakeNames =
    [
        "after_create", "before_fit", "before_epoch", "before_train", "before_batch", "after_pred",
        "after_loss", "before_backward", "after_cancel_backward", "after_backward", "before_step",
        "after_cancel_step", "after_step", "after_cancel_batch", "after_batch", "after_cancel_train",
        "after_train", "before_validate", "after_cancel_validate", "after_validate", "after_cancel_epoch",
        "after_epoch", "after_cancel_fit", "after_fit",
    ];

    /// <summary>fastai's name of the event, e.g. <c>after_batch</c>.</summary>
    public static string SnakeName(this Event e) => SnakeNames[(int)e];

    /// <summary>The event whose fastai name is <paramref name="snakeName"/>.</summary>
    public static Event FromSnakeName(string snakeName)
    {
        int i = Array.IndexOf(SnakeNames, snakeName);
        return i >= 0 ? (Event)i : throw new ArgumentException($"'{snakeName}' is not a fastai event name; expected one of: {string.Join(", ", SnakeNames)}.", nameof(snakeName));
    }

    /// <summary>The mask holding only <paramref name="e"/>.</summary>
    public static EventMask Mask(this Event e) => (EventMask)(1u << (int)e);

    /// <summary>Whether <paramref name="mask"/> holds <paramref name="e"/>.</summary>
    public static bool Has(this EventMask mask, Event e) => ((uint)mask & (1u << (int)e)) != 0;
}
