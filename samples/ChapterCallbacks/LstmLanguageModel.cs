using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen.Samples.ChapterCallbacks;

/// <summary>
/// A small language model in the spirit of fastai's AWD-LSTM: embedding, one LSTM layer, dropout, linear decoder.
/// Like fastai's, it carries its hidden state from batch to batch (detached, truncated backpropagation through time)
/// until <see cref="Reset"/> (<see cref="ModelResetter"/> calls it before each phase), and it keeps its last LSTM output
/// before and after dropout for <see cref="RnnRegularizer"/> (<see cref="IRnnOutputs"/>). Input: int64 tokens
/// <c>[batch, sequence]</c>; output: logits <c>[batch, sequence, vocab]</c>.
/// </summary>
public sealed class LstmLanguageModel : nn.Module<Tensor, Tensor>, IResettable, IRnnOutputs
{
    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Dropout dropout;
    private readonly Linear decoder;
    private (Tensor H, Tensor C)? _state;

    public LstmLanguageModel(int vocab, int embedding = 16, int hidden = 32, double dropout = 0.2) : base(nameof(LstmLanguageModel))
    {
        this.embedding = nn.Embedding(vocab, embedding);
        lstm = nn.LSTM(embedding, hidden, batchFirst: true);
        this.dropout = nn.Dropout(dropout);
        decoder = nn.Linear(hidden, vocab);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public Tensor? RawOutput { get; private set; }

    /// <inheritdoc/>
    public Tensor? DroppedOutput { get; private set; }

    /// <summary>Whether a hidden state from an earlier batch is carried into the next forward.</summary>
    public bool HasState => _state is not null;

    public override Tensor forward(Tensor tokens)
    {
        if (_state is { } s && s.H.shape[1] != tokens.shape[0]) Reset();   // a batch of another size starts afresh
        // call, not forward: TorchSharp runs forward hooks (ActivationStats) only through call.
        var (output, h, c) = lstm.call(embedding.call(tokens), _state);
        Keep(h, c);
        RawOutput = output;
        DroppedOutput = dropout.call(output);
        return decoder.call(DroppedOutput);
    }

    /// <summary>fastai's reset: forgets the hidden state.</summary>
    public void Reset()
    {
        if (_state is { } s) { s.H.Dispose(); s.C.Dispose(); }
        _state = null;
    }

    /// <summary>The loss of a language model: cross-entropy over every position of every sequence.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));

    // The state outlives the batch's dispose scope, detached so that backpropagation stops at the batch's start.
    private void Keep(Tensor h, Tensor c)
    {
        Reset();
        _state = (h.detach().DetachFromDisposeScope(), c.detach().DetachFromDisposeScope());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Reset();
        base.Dispose(disposing);
    }
}
