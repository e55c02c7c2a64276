using Gen.Internals;
namespace Gen;

/// <summary>
/// Base of every callback. Write handlers as <c>[Event]</c> methods in a <c>partial</c> class; the
/// generator implements <see cref="Info"/> and <see cref="Invoke"/>.
/// </summary>
public abstract class Callback
{
    /// <summary>fastai's <c>self.learn</c>: the learner this callback was added to.</summary>
    public Learner? Learn { get; internal set; }

    /// <summary>Compile-time metadata of this callback's class.</summary>
    public abstract CallbackInfo Info { get; }

    /// <summary>fastai's <c>name</c>, e.g. <c>train_eval</c>.</summary>
    public string Name => Info.Name;

    /// <summary>fastai's <c>order</c>.</summary>
    public int Order => Info.Order;

    /// <summary>Calls this callback's handler of <paramref name="e"/>, if it has one.</summary>
    public abstract void Invoke(Event e, Learner learn);

    /// <summary>The callback's <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
