using System;

namespace Gen;

/// <summary>
/// A model with state carried from batch to batch (a recurrent model's hidden state) that can be cleared: fastai's
/// <c>model.reset()</c>, which <see cref="ModelResetter"/> calls. TorchSharp modules have no reset of their own.
/// </summary>
public interface IResettable
{
    /// <summary>Forgets the state carried from earlier batches.</summary>
    void Reset();
}

/// <summary>
/// fastai's ModelResetter (callback/rnn.py): resets the model (<see cref="IResettable.Reset"/>) before every training
/// and every validation phase, so neither starts from the other's hidden state, and after the fit.
/// </summary>
public sealed partial class ModelResetter : Callback
{
    [Event]
    void BeforeFit(Learner learn)
    {
        if (learn.Model is not IResettable)
            throw new InvalidOperationException(
                $"ModelResetter resets the model, but a {learn.Model.GetType().Name} is not an IResettable. Implement IResettable.Reset on the model (clear its hidden state), or remove ModelResetter.");
    }

    [Event] void BeforeTrain(Learner learn) => Reset(learn);

    [Event] void BeforeValidate(Learner learn) => Reset(learn);

    [Event] void AfterFit(Learner learn) => Reset(learn);

    private static void Reset(Learner learn) => ((IResettable)learn.Model).Reset();
}
