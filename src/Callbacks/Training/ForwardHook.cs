using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's Hook (callback/hook.py) for TorchSharp: calls an action with a module's output after each of its forwards,
/// until <see cref="Remove"/>. TorchSharp keeps hooks per forward signature (<c>register_forward_hook</c> on
/// <c>nn.Module&lt;T, TResult&gt;</c> ...) and runs them only when a module is invoked with <c>call</c>, which built-in
/// containers do for their children; a module's own <c>forward</c> (what the Learner calls on the model) runs none.
/// </summary>
public sealed class ForwardHook
{
    private Action? _remove;

    private ForwardHook(Action remove) => _remove = remove;

    /// <summary>
    /// Hooks <paramref name="module"/>: <paramref name="onOutput"/> receives its output tensor (for recurrent layers,
    /// which return a tuple, the output sequence). The output passes on unchanged.
    /// </summary>
    public static ForwardHook Register(nn.Module module, Action<Tensor> onOutput)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(onOutput);
        // Each hook returns the output it was given: TorchSharp replaces the result with any non-null return, and a
        // tuple result (recurrent layers) is never null.
        switch (module)
        {
            case nn.Module<Tensor, Tensor> m:
                return new(m.register_forward_hook((_, _, output) => { onOutput(output); return output; }).remove);
            case nn.Module<Tensor, Tensor, Tensor> m:
                return new(m.register_forward_hook((_, _, _, output) => { onOutput(output); return output; }).remove);
            case nn.Module<Tensor, (Tensor, Tensor)?, (Tensor, Tensor, Tensor)> lstm:
                return new(lstm.register_forward_hook((_, _, _, output) => { onOutput(output.Item1); return output; }).remove);
            case nn.Module<Tensor, Tensor?, (Tensor, Tensor)> rnn:   // GRU and RNN
                return new(rnn.register_forward_hook((_, _, _, output) => { onOutput(output.Item1); return output; }).remove);
            default:
                throw new ArgumentException(
                    $"Cannot hook a {module.GetType().Name}: forward hooks are supported on modules that return a tensor from one or two " +
                    "tensors and on LSTM, GRU and RNN layers. Choose other modules (e.g. its children).", nameof(module));
        }
    }

    /// <summary>Whether <see cref="Remove"/> has run.</summary>
    public bool Removed => _remove is null;

    /// <summary>fastai's Hook.remove: the action is no longer called. Removing twice does nothing.</summary>
    public void Remove()
    {
        _remove?.Invoke();
        _remove = null;
    }
}
