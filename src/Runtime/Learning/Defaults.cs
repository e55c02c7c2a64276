using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Gen;

/// <summary>
/// fastai's <c>defaults.callbacks</c>: the callbacks every new <see cref="Learner"/> gets besides TrainEval (which the
/// Learner always has). Gen.Runtime registers the Recorder; Gen.Callbacks registers Progress when it is loaded, as
/// fastai's progress module adds ProgressCallback on import. The Learner loads Gen.Callbacks, if the application
/// ships it, before it reads this list, so the defaults never depend on which types the application touched first.
/// </summary>
public static class Defaults
{
    private static ImmutableArray<Func<Callback>> _callbacks = [() => new Recorder()];
    private static readonly Lazy<bool> StandardLibraryLoaded = new(LoadStandardLibrary);

    /// <summary>Makes one of each default callback, in registration order.</summary>
    public static Callback[] Callbacks()
    {
        _ = StandardLibraryLoaded.Value;
        return _callbacks.Select(make => make()).ToArray();
    }

    /// <summary>Adds a default callback (fastai: <c>defaults.callbacks.append(...)</c>); every Learner made afterwards gets one.</summary>
    public static void Add(Func<Callback> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        ImmutableInterlocked.Update(ref _callbacks, list => list.Add(make));
    }

    /// <summary>Runs Gen.Callbacks' module initializer, which registers its defaults; false when the application does not ship it.</summary>
    private static bool LoadStandardLibrary()
    {
        try
        {
            var library = Assembly.Load(new AssemblyName("Gen.Callbacks"));
            RuntimeHelpers.RunModuleConstructor(library.ManifestModule.ModuleHandle);
            return true;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException) { return false; }   // not shipped, or not loadable
    }
}
