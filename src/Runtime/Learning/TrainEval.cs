namespace Gen;

/// <summary>
/// fastai's TrainEvalCallback: switches the model between train and eval mode and keeps
/// <see cref="Learner.TrainIter"/>, <see cref="Learner.PctTrain"/> and <see cref="Learner.Training"/>.
/// </summary>
[Order(-10)]
public sealed partial class TrainEval : Callback
{
    [Event] private void AfterCreate(Learner learn) => learn.NEpoch = 1;

    [Event]
    private void BeforeFit(Learner learn)
    {
        // A resumed fit (start_epoch) is where the uninterrupted one was when that epoch began.
        learn.Epoch = learn.StartEpoch;
        learn.TrainIter = learn.StartEpoch * learn.Dls.Train.Count;
        learn.PctTrain = (double)learn.StartEpoch / learn.NEpoch;
    }

    [Event]
    private void BeforeTrain(Learner learn)
    {
        learn.PctTrain = (double)learn.Epoch / learn.NEpoch;
        learn.Model.train();
        learn.Training = true;
    }

    // fastai runs this only in training (run_valid = False).
    [Event]
    private void AfterBatch(Learner learn)
    {
        if (!learn.Training) return;
        learn.PctTrain += 1.0 / (learn.NIter * learn.NEpoch);
        learn.TrainIter++;
    }

    [Event]
    private void BeforeValidate(Learner learn)
    {
        learn.Model.eval();
        learn.Training = false;
    }
}
